using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// A generic hook for flag systems without a client here: POSTs the rollback request as JSON and leaves
/// the restoring to the receiver. URL: the binding's Settings <c>url</c>, else <c>Providers:http:Url</c>; either way it
/// must be <c>Providers:http:Url</c> or listed in <c>Providers:http:AllowedUrls</c>, so the credentials below only ever
/// go where the operator configured.
/// Optional <c>Providers:http:ApiToken</c> (Bearer) and <c>Providers:http:Secret</c>, which adds
/// <c>X-Guardian-Signature: sha256=&lt;hex HMAC-SHA256(secret, body)&gt;</c>.
/// </summary>
public sealed partial class HttpHookRollbackClient(HttpClient http, IConfiguration configuration, ILogger<HttpHookRollbackClient> logger)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "http";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Guardian-Signature";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (HookUriOf(plan.Flag, out var problem) is not { } uri)
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.Failed(problem, ManualSteps(plan, plan.RestoreTo.Enabled == true), 0));
        }

        var request = HookRequest(HttpMethod.Post, uri, BodyOf(plan));
        var summary = $"Rollback hook {uri.GetLeftPart(UriPartial.Path)} accepted the request to restore flag '{plan.Flag.Key}' to {plan.RestoreTo}.";
        return WriteOnceAsync(http, request, plan, plan.RestoreTo.Enabled ?? true, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn) =>
        $"Restore flag '{plan.Flag.Key}'{(plan.Flag.Environment is null ? "" : $" in environment '{plan.Flag.Environment}'")} to {plan.RestoreTo} " +
        $"in the system that serves it{(UrlOf(plan) is { } url ? $" (the rollback hook {url} did not accept the request)" : "")}.";

    private string? UrlOf(RollbackPlan plan) => SettingOf(plan, "url") ?? Settings.Get("Url");

    /// <summary>
    /// The hook URL for <paramref name="flag"/> (Settings <c>url</c>, else <c>Providers:http:Url</c>), only when it is
    /// an http(s) URL the operator configured; otherwise null and why (nothing may be sent).
    /// </summary>
    private Uri? HookUriOf(FlagBinding flag, out string problem)
    {
        var url = SettingOf(flag, "url") ?? Settings.Get("Url");
        if (url is null)
        {
            problem = $"The hook URL is unknown: it was not found in flag.settings.url or {Settings.KeyOf("Url")}.";
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problem = "The hook URL (flag.settings.url) is not an absolute http(s) URL.";
            return null;
        }

        if (!HookDestinations.IsConfigured(Configuration, uri))
        {
            // The token and the signature go only where the operator said; a definition may pick, never name.
            problem = $"The hook URL in flag.settings.url is not one the operator configured ({HookDestinations.UrlKey} or {HookDestinations.AllowListKey}); nothing was sent.";
            return null;
        }

        problem = "";
        return uri;
    }

    /// <summary>A request to the hook with the operator's Bearer token and the body's signature, where configured.</summary>
    private HttpRequestMessage HookRequest(HttpMethod method, Uri uri, byte[] body)
    {
        var request = new HttpRequestMessage(method, uri);
        if (method != HttpMethod.Get)
        {
            request.Content = JsonContent(body);
        }

        if (Settings.ApiToken is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (Settings.Get("Secret") is { } secret)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, "sha256=" + HmacSignature.ComputeHex(secret, body));
        }

        return request;
    }

    /// <summary>The hook's JSON body (documented in docs/rollback.md).</summary>
    internal static byte[] BodyOf(RollbackPlan plan) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("guardianId", plan.GuardianId);
        w.WriteString("runId", plan.RunId);
        WriteFlag(w, plan.Flag);
        w.WriteStartObject("restoreTo");
        if (plan.RestoreTo.Enabled is { } enabled)
        {
            w.WriteBoolean("enabled", enabled);
        }
        else
        {
            w.WriteNull("enabled");
        }

        WriteNullable(w, "variant", plan.RestoreTo.Variant);
        w.WriteEndObject();
        w.WriteStartObject("changeUnderTest");
        w.WriteString("changeId", plan.ChangeUnderTest.ChangeId);
        WriteNullable(w, "actor", plan.ChangeUnderTest.Actor);
        w.WriteString("changedAt", plan.ChangeUnderTest.ChangedAt.ToString("O", CultureInfo.InvariantCulture));
        w.WriteEndObject();
        w.WriteString("reason", plan.Reason);
        w.WriteEndObject();
    });

    private static void WriteFlag(System.Text.Json.Utf8JsonWriter w, FlagBinding flag)
    {
        w.WriteStartObject("flag");
        w.WriteString("provider", flag.Provider);
        w.WriteString("key", flag.Key);
        WriteNullable(w, "project", flag.Project);
        WriteNullable(w, "environment", flag.Environment);
        w.WriteEndObject();
    }

    private static void WriteNullable(System.Text.Json.Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
