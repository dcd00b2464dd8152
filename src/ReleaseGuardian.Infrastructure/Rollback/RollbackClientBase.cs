using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// What every rollback client shares: the unknown-state check, logging of the outcome, sending a request
/// through the retrying HttpClient and turning any failure into <see cref="RollbackOutcome.Failed"/> with
/// manual steps. Secrets configured for the provider are scrubbed from every reason.
/// </summary>
public abstract partial class RollbackClientBase : IFlagRollbackClient
{
    private const int ExcerptLength = 200;
    private static readonly string[] SecretKeys = ["ApiToken", "Password", "Secret", "AdminKey", "ConnectionString", "BlobConnection"];

    private protected RollbackClientBase(string provider, IConfiguration configuration, ILogger logger)
    {
        Provider = provider;
        Configuration = configuration;
        Settings = new ProviderSettings(configuration, provider);
        Logger = logger;
    }

    /// <inheritdoc />
    public string Provider { get; }

    private protected IConfiguration Configuration { get; }

    private protected ProviderSettings Settings { get; }

    private protected ILogger Logger { get; }

    /// <inheritdoc />
    public async Task<RollbackOutcome> RollBackAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        RollbackLog.RollingBack(Logger, Provider, plan.Flag.Key, plan.GuardianId, plan.RunId, plan.RestoreTo.ToString());

        RollbackOutcome outcome;
        if (plan.RestoreTo.Enabled is null && plan.RestoreTo.Variant is null)
        {
            outcome = new RollbackOutcome.Failed(
                $"The state before change '{plan.ChangeUnderTest.ChangeId}' is unknown (restoreTo has neither enabled nor variant), so there is nothing safe to restore automatically.",
                $"Find the state before the change: {PriorStateLookup(plan)}. Then restore it by hand. To turn it off: {ManualSteps(plan, turnOn: false)} To turn it on: {ManualSteps(plan, turnOn: true)}",
                0);
        }
        else
        {
            try
            {
                outcome = await RollBackCoreAsync(plan, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (UnsafePathSegmentException ex)
            {
                outcome = new RollbackOutcome.Failed(
                    $"{Provider} rollback was not sent: {ex.Message}.",
                    $"Restore flag '{plan.Flag.Key}' to {plan.RestoreTo} by hand in {Provider}.",
                    0);
            }
#pragma warning disable CA1031 // The port promises an outcome, never a provider exception.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                outcome = new RollbackOutcome.Failed(
                    $"{Provider} rollback failed: {ex.GetType().Name}: {Scrub(ex.Message)}",
                    SafeManualSteps(plan, plan.RestoreTo.Enabled == true),
                    0);
            }
        }

        switch (outcome)
        {
            case RollbackOutcome.Succeeded s:
                RollbackLog.RolledBack(Logger, Provider, plan.Flag.Key, s.Attempts, s.Summary);
                break;
            case RollbackOutcome.Failed f:
                RollbackLog.RollbackFailed(Logger, Provider, plan.Flag.Key, f.Attempts, f.Reason);
                break;
            case RollbackOutcome.NotSupported n:
                RollbackLog.RollbackNotSupported(Logger, Provider, plan.Flag.Key, n.Reason);
                break;
        }

        return outcome;
    }

    /// <summary>Performs the rollback; <see cref="FlagState"/> with neither field set never gets here.</summary>
    private protected abstract Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken);

    /// <summary>
    /// Where the flag's state before the change can be read, in the provider's own terms (its audit API, CLI or
    /// history), for the manual steps of a change whose prior state is unknown. No secrets: credentials are shell
    /// variables.
    /// </summary>
    private protected virtual string PriorStateLookup(RollbackPlan plan) =>
        $"look up flag '{plan.Flag.Key}' in the {Provider} audit log";

    /// <summary>What a person does to restore the flag by hand: the UI path and an equivalent command without secrets.</summary>
    private protected abstract string ManualSteps(RollbackPlan plan, bool turnOn);

    /// <summary>
    /// <paramref name="value"/> escaped as exactly one URL path segment. A value that cannot stay one segment
    /// (<c>.</c>, <c>..</c>, <c>/</c>, <c>%</c>, ... see <see cref="FlagNames"/>) throws: .NET removes dot segments even
    /// when escaped, so escaping alone would send the request, with its token, to another API path.
    /// </summary>
    private protected static string Segment(string value) =>
        FlagNames.ProblemWith(value) is { } problem
            ? throw new UnsafePathSegmentException($"'{value}' {problem}")
            : Uri.EscapeDataString(value);

    private string SafeManualSteps(RollbackPlan plan, bool turnOn)
    {
        try
        {
            return ManualSteps(plan, turnOn);
        }
        catch (UnsafePathSegmentException)
        {
            return $"Restore flag '{plan.Flag.Key}' to {plan.RestoreTo} by hand in {Provider}.";
        }
    }

    /// <summary>A Failed outcome for a missing configuration value, naming the key.</summary>
    private protected RollbackOutcome.Failed MissingSetting(RollbackPlan plan, string key, string? why = null) =>
        new($"{key} is not configured{(why is null ? "" : "; " + why)}.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);

    /// <summary>A Failed outcome for a missing flag setting or provider id, naming where it was looked for.</summary>
    private protected RollbackOutcome.Failed MissingReference(RollbackPlan plan, string what, string lookedIn) =>
        new($"{what} is unknown: it was not found in {lookedIn}.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);

    /// <summary>The flag's project: the binding's, else the change's, else <paramref name="fallback"/>.</summary>
    private protected static string? ProjectOf(RollbackPlan plan, string? fallback) =>
        NonEmpty(plan.Flag.Project) ?? NonEmpty(plan.ChangeUnderTest.Project) ?? fallback;

    /// <summary>The flag's environment: the binding's, else the change's, else <paramref name="fallback"/>.</summary>
    private protected static string? EnvironmentOf(RollbackPlan plan, string? fallback) =>
        NonEmpty(plan.Flag.Environment) ?? NonEmpty(plan.ChangeUnderTest.Environment) ?? fallback;

    /// <summary>A provider id from the change's ProviderRefs, else from the binding's Settings.</summary>
    private protected static string? Reference(RollbackPlan plan, string name) =>
        (plan.ChangeUnderTest.ProviderRefs.TryGetValue(name, out var fromChange) ? NonEmpty(fromChange) : null) ??
        SettingOf(plan, name);

    /// <summary>A value from the binding's Settings (keys compare case-insensitively).</summary>
    private protected static string? SettingOf(RollbackPlan plan, string name) => SettingOf(plan.Flag, name);

    /// <summary>A value from <paramref name="flag"/>'s Settings (keys compare case-insensitively).</summary>
    private protected static string? SettingOf(Core.Definitions.FlagBinding flag, string name) =>
        NonEmpty(flag.Settings.FirstOrDefault(s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase)).Value);

    /// <summary>The audit comment sent to providers that take one.</summary>
    private protected static string Comment(RollbackPlan plan) =>
        $"Release Guardian '{plan.GuardianId}' run '{plan.RunId}' rolled back change '{plan.ChangeUnderTest.ChangeId}': {plan.Reason}";

    /// <summary>"turned off" / "turned on".</summary>
    private protected static string OnOffWords(bool enabled) => enabled ? "turned on" : "turned off";

    /// <summary>
    /// Sends <paramref name="request"/> through the retrying client. When <paramref name="write"/> is given,
    /// every attempt is added to it.
    /// </summary>
    private protected async Task<HttpCallResult> SendAsync(HttpClient http, HttpRequestMessage request, WriteAttempts? write, CancellationToken cancellationToken)
    {
        if (write is not null)
        {
            request.Options.Set(WriteAttempts.Key, write);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var etag = response.Headers.ETag?.ToString();
            return new HttpCallResult(response.StatusCode, body, etag, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return new HttpCallResult(null, null, null, $"no answer within the timeout ({http.Timeout.TotalSeconds:0} s)");
        }
        catch (HttpRequestException ex)
        {
            // The transport's own message names the address and port; it goes to the log, the outcome gets the
            // outbound policy's reason or a fixed phrase.
            RollbackLog.TransportFailed(Logger, Provider, ex.GetType().Name, Scrub(ex.Message));
            return new HttpCallResult(null, null, null, $"transport error: {OutboundPolicy.Describe(ex)}");
        }
    }

    /// <summary>
    /// Sends one write (with retries) and maps the answer: 2xx is <see cref="RollbackOutcome.Succeeded"/>
    /// with <paramref name="summary"/>, anything else <see cref="RollbackOutcome.Failed"/> with the manual steps.
    /// </summary>
    private protected async Task<RollbackOutcome> WriteOnceAsync(
        HttpClient http, HttpRequestMessage request, RollbackPlan plan, bool turnOn, string summary, CancellationToken cancellationToken)
    {
        var attempts = new WriteAttempts();
        using (request)
        {
            var result = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
            return result.IsSuccess
                ? new RollbackOutcome.Succeeded(summary, attempts.Count)
                : new RollbackOutcome.Failed(
                    Describe(result, attempts.Count, $"{Provider} flag '{plan.Flag.Key}' was not {OnOffWords(turnOn)}"),
                    ManualSteps(plan, turnOn),
                    attempts.Count);
        }
    }

    /// <summary>UTF-8 JSON written by <paramref name="write"/>.</summary>
    private protected static byte[] Json(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>JSON request content with the given media type (default application/json).</summary>
    private protected static ByteArrayContent JsonContent(byte[] body, string mediaType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    /// <summary>"{provider} answered HTTP 400 (BadRequest) after 1 attempt(s): excerpt", scrubbed.</summary>
    private protected string Describe(HttpCallResult result, int attempts, string what)
    {
        var plural = attempts == 1 ? "attempt" : "attempts";
        if (result.TransportError is not null)
        {
            return $"{what}: {result.TransportError} after {attempts} {plural}.";
        }

        var excerpt = Excerpt(result.Body);
        return $"{what}: {Provider} answered HTTP {(int)result.Status!.Value} ({result.Status}) after {attempts} {plural}" +
               (excerpt.Length == 0 ? "." : $": {excerpt}");
    }

    /// <summary>A short, single-line excerpt of a response body with configured secrets removed.</summary>
    private protected string Excerpt(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "";
        }

        var oneLine = string.Join(' ', body.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
        oneLine = Scrub(oneLine);
        return oneLine.Length <= ExcerptLength ? oneLine : oneLine[..ExcerptLength] + "…";
    }

    /// <summary>Replaces every configured secret of this provider in <paramref name="text"/> with ***.</summary>
    private protected string Scrub(string text)
    {
        foreach (var key in SecretKeys)
        {
            var secret = Settings.Get(key);
            if (secret is { Length: >= 4 })
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>
    /// A copy-pasteable curl command; secrets are shell variables (e.g. <c>$LD_API_TOKEN</c>) that the
    /// person sets themselves.
    /// </summary>
    private protected static string Curl(string method, Uri uri, IEnumerable<(string Name, string Value)> headers, string? body)
    {
        var command = new StringBuilder("curl -X ").Append(method).Append(' ').Append(Quote(uri.AbsoluteUri));
        foreach (var (name, value) in headers)
        {
            command.Append(" -H ").Append(DoubleQuote($"{name}: {value}"));
        }

        if (body is not null)
        {
            command.Append(" -d ").Append(Quote(body));
        }

        return command.ToString();

        static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

        // Headers may reference $VARIABLES, which must expand.
        static string DoubleQuote(string s) => "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>The answer to one rollback HTTP call (after retries).</summary>
internal sealed record HttpCallResult(HttpStatusCode? Status, string? Body, string? ETag, string? TransportError)
{
    public bool IsSuccess => Status is { } s && (int)s is >= 200 and < 300;
}

/// <summary>A value that cannot be carried as one URL path segment; the rollback is not sent.</summary>
internal sealed class UnsafePathSegmentException(string message) : Exception(message);
