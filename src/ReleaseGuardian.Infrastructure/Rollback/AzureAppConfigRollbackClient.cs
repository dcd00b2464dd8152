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
public sealed partial class AzureAppConfigRollbackClient(
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
        var label = Reference(plan, "label");
        var write = await ReadEditWriteAsync(UriOf(endpoint, plan.Flag.Key, label), auth, plan.Flag.Key, current =>
            TryEdit(current, enabled, out var body, out var problem) ? new KeyValueEdit(body, null) : new KeyValueEdit(null, problem), cancellationToken).ConfigureAwait(false);
        return write.Status switch
        {
            KeyValueWriteStatus.Written => new RollbackOutcome.Succeeded(
                $"Azure App Configuration feature flag '{plan.Flag.Key}'{LabelWords(label)} at {endpoint.Host} {OnOffWords(enabled)}.", write.Attempts),
            KeyValueWriteStatus.ReadFailed => new RollbackOutcome.Failed(
                Describe(write.Call!, write.Attempts, ReadFailure(write.Call!, plan.Flag.Key, label)), ManualSteps(plan, enabled), write.Attempts),
            KeyValueWriteStatus.NotEditable => new RollbackOutcome.Failed(
                $"Feature flag '{plan.Flag.Key}'{LabelWords(label)} could not be edited: {write.Problem}", ManualSteps(plan, enabled), write.Attempts),
            _ => new RollbackOutcome.Failed(
                Describe(write.Call!, write.Attempts, $"Feature flag '{plan.Flag.Key}'{LabelWords(label)} was not {OnOffWords(enabled)}"),
                ManualSteps(plan, enabled),
                write.Attempts),
        };
    }

    /// <summary>What a failed read of the flag means: missing, or the read itself failed.</summary>
    private static string ReadFailure(HttpCallResult read, string flagKey, string? label) =>
        read.Status == HttpStatusCode.NotFound
            ? $"Feature flag '{FeatureFlagPrefix}{flagKey}'{LabelWords(label)} was not found"
            : $"Reading feature flag '{flagKey}'{LabelWords(label)} failed";

    /// <summary>
    /// Reads the flag's key-value, lets <paramref name="edit"/> compute the new one (null body: nothing to write) and
    /// writes it with <c>If-Match</c> on the etag just read. After a 412 (a concurrent writer moved the etag on) it
    /// reads and edits once more, so their change is the base of ours.
    /// </summary>
    private async Task<KeyValueWrite> ReadEditWriteAsync(
        Uri uri, Action<HttpRequestMessage, byte[]> auth, string flagKey, Func<string?, KeyValueEdit> edit, CancellationToken cancellationToken)
    {
        var writes = new WriteAttempts();
        HttpCallResult? lastWrite = null;
        for (var round = 1; round <= 2; round++)
        {
            var read = await ReadKeyValueAsync(uri, auth, cancellationToken).ConfigureAwait(false);
            if (!read.IsSuccess)
            {
                return new KeyValueWrite(KeyValueWriteStatus.ReadFailed, read, null, writes.Count);
            }

            var (body, problem) = edit(read.Body);
            if (problem is not null)
            {
                return new KeyValueWrite(KeyValueWriteStatus.NotEditable, read, problem, writes.Count);
            }

            if (body is null)
            {
                return new KeyValueWrite(KeyValueWriteStatus.Unchanged, read, null, writes.Count);
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
                return new KeyValueWrite(KeyValueWriteStatus.Written, lastWrite, null, writes.Count);
            }

            if (lastWrite.Status != HttpStatusCode.PreconditionFailed)
            {
                break;
            }

            RollbackLog.PreconditionFailed(Logger, Provider, flagKey, round + 1);
        }

        return new KeyValueWrite(KeyValueWriteStatus.WriteFailed, lastWrite, null, writes.Count);
    }

    private async Task<HttpCallResult> ReadKeyValueAsync(Uri uri, Action<HttpRequestMessage, byte[]> auth, CancellationToken cancellationToken)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, uri);
        get.Headers.TryAddWithoutValidation("Accept", KeyValueMediaType + ", application/problem+json");
        auth(get, []);
        return await SendAsync(http, get, null, cancellationToken).ConfigureAwait(false);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var endpoint = EndpointOf();
        var label = Reference(plan, "label");
        return $"In the Azure portal open the App Configuration store{(endpoint is null ? "" : $" {endpoint.Host}")}, Operations > Feature manager, " +
               $"flag '{plan.Flag.Key}'{LabelWords(label)}, and set Enabled {(turnOn ? "on" : "off")}. Or run: " +
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

    private static string LabelWords(string? label) => label is null ? "" : $" (label '{label}')";

    private Uri UriOf(Uri endpoint, string flagKey, string? label)
    {
        var apiVersion = Settings.Get("ApiVersion") ?? "1.0";
        var query = (label is null ? "" : $"label={Uri.EscapeDataString(label)}&") + $"api-version={Uri.EscapeDataString(apiVersion)}";
        return ProviderSettings.Combine(endpoint.AbsoluteUri, $"kv/{Uri.EscapeDataString(FeatureFlagPrefix)}{Segment(flagKey)}?{query}");
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

/// <summary>The new key-value body (null: nothing to write), or why the flag cannot be edited.</summary>
internal readonly record struct KeyValueEdit(byte[]? Body, string? Problem);

/// <summary>How a read-edit-write of an App Configuration key-value ended.</summary>
internal enum KeyValueWriteStatus
{
    Written,
    Unchanged,
    ReadFailed,
    NotEditable,
    WriteFailed,
}

/// <summary>The end of a read-edit-write: the last call (the read for ReadFailed/NotEditable/Unchanged), the problem, the write attempts.</summary>
internal sealed record KeyValueWrite(KeyValueWriteStatus Status, HttpCallResult? Call, string? Problem, int Attempts);
