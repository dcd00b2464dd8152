using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.Flags;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

/// <summary>Builds deliveries the way each flag service sends them, signing in the test.</summary>
internal static class FlagDeliveries
{
    public const string Secret = "whsec-correct-horse-battery-staple";
    public const string ConfigCatWebhookId = "b7e2c1d0-5f3a-4e8b-9c1d-2a3b4c5d6e7f";

    public static readonly DateTimeOffset Now = new(2025, 11, 25, 10, 0, 30, TimeSpan.Zero);

    /// <summary>The sample payload each provider's shared tests use.</summary>
    public static readonly IReadOnlyDictionary<string, string> SampleFiles = new Dictionary<string, string>
    {
        ["launchdarkly"] = "launchdarkly-flag-turned-on.json",
        ["unleash"] = "unleash-feature-environment-enabled.json",
        ["flagsmith"] = "flagsmith-flag-updated.json",
        ["configcat"] = "configcat-setting-changed.json",
        ["gofeatureflag"] = "gofeatureflag-notification.json",
        ["growthbook"] = "growthbook-feature-updated.json",
        ["split"] = "split-killed.json",
        ["azureappconfig"] = "azureappconfig-featureflag-modified.json",
    };

    public static IEnumerable<object[]> Providers() => SampleFiles.Keys.Select(p => new object[] { p });

    /// <summary>Providers that sign the body (as opposed to sending a shared secret).</summary>
    public static IEnumerable<object[]> SigningProviders() =>
        new[] { "launchdarkly", "flagsmith", "configcat", "gofeatureflag", "growthbook" }.Select(p => new object[] { p });

    public static FlagWebhookAdapter Adapter(string provider) =>
        FlagWebhookAdapterCatalog.Default.TryGet(provider, out var adapter) ? (FlagWebhookAdapter)adapter : throw new ArgumentException(provider);

    public static byte[] Payload(string file) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Ingestion", "Flags", "Payloads", file));

    public static byte[] Sample(string provider) => Payload(SampleFiles[provider]);

    public static WebhookRequest Unsigned(byte[] body, IDictionary<string, string>? headers = null, IDictionary<string, string>? query = null) =>
        new(body, new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, string>(query ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase), "application/json");

    /// <summary>A delivery signed the provider's way with <paramref name="secret"/>, at <paramref name="signedAt"/> (ConfigCat only).</summary>
    public static WebhookRequest Signed(string provider, byte[] body, string secret = Secret, DateTimeOffset? signedAt = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        switch (provider)
        {
            case "launchdarkly":
                headers["X-LD-Signature"] = HmacSignature.ComputeHex(secret, body);
                break;
            case "flagsmith":
                headers["X-Flagsmith-Signature"] = HmacSignature.ComputeHex(secret, body);
                break;
            case "growthbook":
                headers["X-GrowthBook-Signature"] = HmacSignature.ComputeHex(secret, body);
                break;
            case "gofeatureflag":
                headers["X-Hub-Signature-256"] = "sha256=" + HmacSignature.ComputeHex(secret, body);
                break;
            case "unleash":
                headers["Authorization"] = secret;
                break;
            case "split":
                query["secret"] = secret;
                break;
            case "azureappconfig":
                headers["x-guardian-secret"] = secret;
                break;
            case "configcat":
                var timestamp = (signedAt ?? Now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                headers["X-ConfigCat-Webhook-ID"] = ConfigCatWebhookId;
                headers["X-ConfigCat-Webhook-Timestamp"] = timestamp;
                headers["X-ConfigCat-Webhook-Signature-V1"] = ConfigCatSignature(secret, ConfigCatWebhookId, timestamp, body);
                break;
            default:
                throw new ArgumentException(provider);
        }

        return Unsigned(body, headers, query);
    }

    public static string ConfigCatSignature(string secret, string id, string timestamp, byte[] body) =>
        HmacSignature.ComputeBase64(secret, [.. Encoding.UTF8.GetBytes(id + timestamp), .. body]);

    public static WebhookRequest WithoutCredential(WebhookRequest request, string field) => request with
    {
        Headers = request.Headers.Where(h => !h.Key.Equals(field, StringComparison.OrdinalIgnoreCase)).ToDictionary(StringComparer.OrdinalIgnoreCase),
        Query = request.Query.Where(h => !h.Key.Equals(field, StringComparison.OrdinalIgnoreCase)).ToDictionary(StringComparer.OrdinalIgnoreCase),
    };

    /// <summary>The sample with the node at a dotted path (array indexes as <c>[n]</c>) removed.</summary>
    public static byte[] Without(byte[] body, string path)
    {
        var root = JsonNode.Parse(body)!;
        var (parent, last) = Navigate(root, path);
        var obj = Assert.IsType<JsonObject>(parent);
        Assert.True(obj.Remove(last), $"the sample has no '{path}'");

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    /// <summary>The sample with the node at a dotted path replaced by <paramref name="json"/>.</summary>
    public static byte[] With(byte[] body, string path, string json)
    {
        var root = JsonNode.Parse(body)!;
        var (parent, last) = Navigate(root, path);
        if (last.StartsWith('['))
        {
            parent[int.Parse(last.Trim('[', ']'), CultureInfo.InvariantCulture)] = JsonNode.Parse(json);
        }
        else
        {
            parent[last] = JsonNode.Parse(json);
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static (JsonNode Parent, string Last) Navigate(JsonNode root, string path)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = parts[i].StartsWith('[')
                ? node[int.Parse(parts[i].Trim('[', ']'), CultureInfo.InvariantCulture)]!
                : node[parts[i]]!;
        }

        return (node, parts[^1]);
    }
}
