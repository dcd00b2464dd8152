using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;
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
public sealed class HttpHookRollbackClient(HttpClient http, IConfiguration configuration, ILogger<HttpHookRollbackClient> logger)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "http";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Guardian-Signature";

    private protected override Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        var url = UrlOf(plan);
        if (url is null)
        {
            return Task.FromResult<RollbackOutcome>(MissingReference(plan, "The hook URL", $"flag.settings.url or {Settings.KeyOf("Url")}"));
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.Failed(
                "The hook URL (flag.settings.url) is not an absolute http(s) URL.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0));
        }

        if (!HookDestinations.IsConfigured(Configuration, uri))
        {
            // The token and the signature go only where the operator said; a definition may pick, never name.
            return Task.FromResult<RollbackOutcome>(new RollbackOutcome.Failed(
                $"The hook URL in flag.settings.url is not one the operator configured ({HookDestinations.UrlKey} or {HookDestinations.AllowListKey}); nothing was sent.",
                ManualSteps(plan, plan.RestoreTo.Enabled == true), 0));
        }

        var body = BodyOf(plan);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent(body) };
        if (Settings.ApiToken is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (Settings.Get("Secret") is { } secret)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, "sha256=" + HmacSignature.ComputeHex(secret, body));
        }

        var summary = $"Rollback hook {uri.GetLeftPart(UriPartial.Path)} accepted the request to restore flag '{plan.Flag.Key}' to {plan.RestoreTo}.";
        return WriteOnceAsync(http, request, plan, plan.RestoreTo.Enabled ?? true, summary, cancellationToken);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn) =>
        $"Restore flag '{plan.Flag.Key}'{(plan.Flag.Environment is null ? "" : $" in environment '{plan.Flag.Environment}'")} to {plan.RestoreTo} " +
        $"in the system that serves it{(UrlOf(plan) is { } url ? $" (the rollback hook {url} did not accept the request)" : "")}.";

    private string? UrlOf(RollbackPlan plan) => SettingOf(plan, "url") ?? Settings.Get("Url");

    /// <summary>The hook's JSON body (documented in docs/rollback.md).</summary>
    internal static byte[] BodyOf(RollbackPlan plan) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("guardianId", plan.GuardianId);
        w.WriteString("runId", plan.RunId);
        w.WriteStartObject("flag");
        w.WriteString("provider", plan.Flag.Provider);
        w.WriteString("key", plan.Flag.Key);
        WriteNullable(w, "project", plan.Flag.Project);
        WriteNullable(w, "environment", plan.Flag.Environment);
        w.WriteEndObject();
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
