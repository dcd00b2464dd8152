using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Rollback;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Azure App Configuration: read the feature flag key-value <c>.appconfig.featureflag/{id}</c>, set
/// <c>enabled</c> in its JSON value and write it back with <c>If-Match</c>; a 412 (someone else wrote in
/// between) re-reads and tries once more. Restores on/off only. Config: <c>Providers:azureappconfig:Endpoint</c>
/// (or <c>BaseUrl</c>, or the Endpoint of <c>ConnectionString</c>); HMAC with <c>Credential</c> + <c>Secret</c>
/// (or the Id/Secret of <c>ConnectionString</c>), otherwise Entra ID: a registered <see cref="TokenCredential"/>
/// or <see cref="DefaultAzureCredential"/>, scope <c>Scope</c> (default https://appconfig.azure.com/.default).
/// <c>ApiVersion</c> defaults to 1.0. The label comes from ProviderRefs/Settings <c>label</c> (none = null label).
/// </summary>
public sealed class AzureAppConfigRollbackClient(
    HttpClient http,
    IConfiguration configuration,
    ILogger<AzureAppConfigRollbackClient> logger,
    IEnumerable<TokenCredential> registeredCredentials)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "azureappconfig";

    /// <summary>The key prefix of feature flags.</summary>
    public const string FeatureFlagPrefix = ".appconfig.featureflag/";

    /// <summary>The Entra scope for App Configuration in the public cloud.</summary>
    public const string DefaultScope = "https://appconfig.azure.com/.default";

    private const string KeyValueMediaType = "application/vnd.microsoft.appconfig.kv+json";
    private const string FeatureFlagContentType = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";
    private static readonly Lazy<TokenCredential> DefaultCredential = new(() => new DefaultAzureCredential());

    private readonly TokenCredential? _registeredCredential = registeredCredentials.LastOrDefault();

    private protected override async Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        if (plan.RestoreTo.Enabled is not { } enabled)
        {
            return new RollbackOutcome.NotSupported(
                $"Azure App Configuration rollback restores a feature flag's enabled state; restoring variant '{plan.RestoreTo.Variant}' alone is not supported.");
        }

        var endpoint = EndpointOf();
        if (endpoint is null)
        {
            return MissingSetting(plan, Settings.KeyOf("Endpoint"));
        }

        var auth = await AuthorizerAsync(cancellationToken).ConfigureAwait(false);
        var uri = UriOf(endpoint, plan);
        var writes = new WriteAttempts();
        HttpCallResult? lastWrite = null;

        // One re-read after a 412: a concurrent writer moved the etag on; re-applying our edit on top of
        // their value keeps their change and still restores ours.
        for (var round = 1; round <= 2; round++)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, uri);
            get.Headers.TryAddWithoutValidation("Accept", KeyValueMediaType + ", application/problem+json");
            auth(get, []);
            var read = await SendAsync(http, get, null, cancellationToken).ConfigureAwait(false);
            if (!read.IsSuccess)
            {
                var what = read.Status == HttpStatusCode.NotFound
                    ? $"Feature flag '{FeatureFlagPrefix}{plan.Flag.Key}'{LabelWords(plan)} was not found"
                    : $"Reading feature flag '{plan.Flag.Key}' failed";
                return new RollbackOutcome.Failed(Describe(read, writes.Count, what), ManualSteps(plan, enabled), writes.Count);
            }

            if (!TryEdit(read.Body, enabled, out var body, out var problem))
            {
                return new RollbackOutcome.Failed(
                    $"Feature flag '{plan.Flag.Key}'{LabelWords(plan)} could not be edited: {problem}", ManualSteps(plan, enabled), writes.Count);
            }

            var etag = read.ETag ?? EtagFromBody(read.Body);
            using var put = new HttpRequestMessage(HttpMethod.Put, uri) { Content = JsonContent(body, KeyValueMediaType) };
            if (etag is not null)
            {
                put.Headers.TryAddWithoutValidation("If-Match", etag);
            }

            auth(put, body);
            lastWrite = await SendAsync(http, put, writes, cancellationToken).ConfigureAwait(false);
            if (lastWrite.IsSuccess)
            {
                return new RollbackOutcome.Succeeded(
                    $"Azure App Configuration feature flag '{plan.Flag.Key}'{LabelWords(plan)} at {endpoint.Host} {OnOffWords(enabled)}.", writes.Count);
            }

            if (lastWrite.Status != HttpStatusCode.PreconditionFailed)
            {
                break;
            }

            RollbackLog.PreconditionFailed(Logger, Provider, plan.Flag.Key, round + 1);
        }

        return new RollbackOutcome.Failed(
            Describe(lastWrite!, writes.Count, $"Feature flag '{plan.Flag.Key}'{LabelWords(plan)} was not {OnOffWords(enabled)}"),
            ManualSteps(plan, enabled),
            writes.Count);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var endpoint = EndpointOf();
        var label = Reference(plan, "label");
        return $"In the Azure portal open the App Configuration store{(endpoint is null ? "" : $" {endpoint.Host}")}, Operations > Feature manager, " +
               $"flag '{plan.Flag.Key}'{LabelWords(plan)}, and set Enabled {(turnOn ? "on" : "off")}. Or run: " +
               $"az appconfig feature {(turnOn ? "enable" : "disable")} --endpoint {endpoint?.GetLeftPart(UriPartial.Authority) ?? "https://<store>.azconfig.io"} " +
               $"--auth-mode login --feature {plan.Flag.Key}{(label is null ? "" : $" --label {label}")} --yes";
    }

    /// <summary>Sets <c>enabled</c> in the flag's JSON value; keeps every other field of the flag and the key-value's tags.</summary>
    internal static bool TryEdit(string? keyValueJson, bool enabled, out byte[] body, out string problem)
    {
        body = [];
        JsonObject keyValue;
        JsonObject flag;
        try
        {
            keyValue = JsonNode.Parse(keyValueJson ?? "") as JsonObject ?? throw new FormatException("the key-value is not a JSON object");
            var value = keyValue["value"]?.GetValue<string>() ?? throw new FormatException("'value' is missing");
            flag = JsonNode.Parse(value) as JsonObject ?? throw new FormatException("'value' is not a JSON object");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            problem = ex.Message;
            return false;
        }

        flag["enabled"] = enabled;
        var update = new JsonObject
        {
            ["value"] = flag.ToJsonString(),
            ["content_type"] = keyValue["content_type"]?.GetValue<string>() ?? FeatureFlagContentType,
            ["tags"] = keyValue["tags"]?.DeepClone() ?? new JsonObject(),
        };
        body = Encoding.UTF8.GetBytes(update.ToJsonString());
        problem = "";
        return true;
    }

    private static string? EtagFromBody(string? keyValueJson)
    {
        try
        {
            return JsonNode.Parse(keyValueJson ?? "")?["etag"]?.GetValue<string>() is { } etag ? $"\"{etag}\"" : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private string LabelWords(RollbackPlan plan) => Reference(plan, "label") is { } label ? $" (label '{label}')" : "";

    private Uri UriOf(Uri endpoint, RollbackPlan plan)
    {
        var label = Reference(plan, "label");
        var apiVersion = Settings.Get("ApiVersion") ?? "1.0";
        var query = (label is null ? "" : $"label={Uri.EscapeDataString(label)}&") + $"api-version={Uri.EscapeDataString(apiVersion)}";
        return ProviderSettings.Combine(endpoint.AbsoluteUri, $"kv/{Uri.EscapeDataString(FeatureFlagPrefix)}{Segment(plan.Flag.Key)}?{query}");
    }

    private Uri? EndpointOf()
    {
        var endpoint = Settings.Get("Endpoint") ?? Settings.Get("BaseUrl") ?? ConnectionStringPart("Endpoint");
        return endpoint is not null && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri : null;
    }

    private string? ConnectionStringPart(string name) =>
        Settings.Get("ConnectionString")?
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(kv => kv.Length == 2 && string.Equals(kv[0], name, StringComparison.OrdinalIgnoreCase))
            .Select(kv => kv[1])
            .FirstOrDefault();

    /// <summary>Returns how to authorize a request: HMAC when a credential and secret are configured, else an Entra token.</summary>
    private async Task<Action<HttpRequestMessage, byte[]>> AuthorizerAsync(CancellationToken cancellationToken)
    {
        var credential = Settings.Get("Credential") ?? ConnectionStringPart("Id");
        var secret = Settings.Get("Secret") ?? ConnectionStringPart("Secret");
        if (credential is not null && secret is not null)
        {
            return (request, body) => AppConfigurationHmac.Sign(request, credential, secret, body, DateTimeOffset.UtcNow);
        }

        var tokenCredential = _registeredCredential ?? DefaultCredential.Value;
        var token = await tokenCredential.GetTokenAsync(
            new TokenRequestContext([Settings.Get("Scope") ?? DefaultScope]), cancellationToken).ConfigureAwait(false);
        return (request, _) => request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
    }

    private protected override string PriorStateLookup(RollbackPlan plan)
    {
        var endpoint = EndpointOf();
        var label = Reference(plan, "label");
        return "the flag's earlier revisions (enabled in each value): " +
               $"az appconfig revision list --endpoint {endpoint?.GetLeftPart(UriPartial.Authority) ?? "https://<store>.azconfig.io"} --auth-mode login " +
               $"--key {FeatureFlagPrefix}{plan.Flag.Key}{(label is null ? "" : $" --label {label}")} --fields value last_modified";
    }
}
