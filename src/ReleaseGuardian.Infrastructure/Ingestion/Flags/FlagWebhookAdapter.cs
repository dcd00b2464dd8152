using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// The pipeline every flag-service adapter shares: authenticate over the raw bytes first, then parse once
/// with <see cref="JsonDocument"/> and let the provider interpret the tree. Bad payloads surface as
/// <see cref="IngestFailure.Malformed"/> naming the JSON path; nothing here throws on hostile input.
/// </summary>
public abstract class FlagWebhookAdapter : IFlagWebhookAdapter
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    private protected FlagWebhookAdapter()
    {
    }

    /// <inheritdoc />
    public abstract string Provider { get; }

    /// <summary>The header (or query parameter) that carries the signature or shared secret; named in 401s.</summary>
    public abstract string CredentialField { get; }

    /// <inheritdoc />
    public FlagWebhookOutcome Handle(WebhookRequest request, WebhookSecurity security, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(security);

        if (security.Secret is null)
        {
            if (!security.AllowUnsigned)
            {
                return new FlagWebhookOutcome.Rejected(IngestProblem.Unauthorized(
                    CredentialField,
                    $"no secret configured for provider {Provider}; set Webhooks:{Provider}:Secret or Webhooks:{Provider}:AllowUnsigned"));
            }
        }
        else
        {
            var problem = Verify(request, security.Secret, now);
            if (problem is not null)
            {
                return new FlagWebhookOutcome.Rejected(problem);
            }
        }

        // JsonDocument does not check the bytes inside strings until they are read; invalid UTF-8 there would
        // surface as an InvalidOperationException (a 500) in whichever adapter reads the string first.
        if (!System.Text.Unicode.Utf8.IsValid(request.Body.Span))
        {
            return new FlagWebhookOutcome.Rejected(IngestProblem.Malformed("$", "the body is not valid UTF-8 JSON"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return new FlagWebhookOutcome.Rejected(IngestProblem.Malformed(
                "$", $"the body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
        }
        catch (ArgumentException)
        {
            return new FlagWebhookOutcome.Rejected(IngestProblem.Malformed("$", "the body is not valid UTF-8 JSON"));
        }

        using (document)
        {
            try
            {
                return Interpret(new FlagDelivery(Provider, request, document.RootElement, now));
            }
            catch (MalformedPayloadException ex)
            {
                return new FlagWebhookOutcome.Rejected(IngestProblem.Malformed(ex.Field, ex.Message));
            }
        }
    }

    /// <summary>Checks the credential against the configured secret; null when authentic.</summary>
    private protected abstract IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now);

    /// <summary>Turns an authentic, well-formed JSON delivery into an outcome. Throws <see cref="MalformedPayloadException"/> for bad fields.</summary>
    private protected abstract FlagWebhookOutcome Interpret(FlagDelivery delivery);

    /// <summary>A 401 for a missing or wrong credential, naming the header. Never echoes what was presented.</summary>
    private protected IngestProblem BadCredential(bool missing) => IngestProblem.Unauthorized(
        CredentialField,
        missing
            ? $"the {CredentialField} credential is missing"
            : $"the {CredentialField} credential does not match the configured secret for provider {Provider}");

    /// <summary>Verification for providers that send a hex HMAC-SHA256 of the body, optionally behind a prefix such as <c>sha256=</c>.</summary>
    private protected IngestProblem? VerifyHexSignature(WebhookRequest request, string secret, string prefix = "")
    {
        var presented = request.Header(CredentialField);
        if (string.IsNullOrWhiteSpace(presented))
        {
            return BadCredential(missing: true);
        }

        presented = presented.Trim();
        if (prefix.Length > 0)
        {
            if (!presented.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return BadCredential(missing: false);
            }

            presented = presented[prefix.Length..];
        }

        return HmacSignature.MatchesHex(secret, request.Body.Span, presented) ? null : BadCredential(missing: false);
    }

    /// <summary>Verification for providers that cannot sign and are configured to send the secret itself.</summary>
    private protected IngestProblem? VerifySharedSecret(string secret, string? presented) =>
        string.IsNullOrEmpty(presented) ? BadCredential(missing: true)
        : HmacSignature.SecretsEqual(secret, presented) ? null
        : BadCredential(missing: false);
}
