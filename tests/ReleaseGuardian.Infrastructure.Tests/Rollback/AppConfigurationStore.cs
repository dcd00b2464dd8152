using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// An App Configuration store holding one feature flag key-value (label prod), as the REST API returns it
/// (https://learn.microsoft.com/azure/azure-app-configuration/rest-api-key-value: etag, key, label, content_type,
/// value, tags, locked). A PUT with the current etag in If-Match replaces value, content type and tags; otherwise 412.
/// </summary>
internal sealed class AppConfigurationStore(string value)
{
    public const string Secret = "c2VjcmV0LWtleS1mb3ItdGhlLXRlc3Qtb25seQ==";

    private readonly Lock _gate = new();

    public string Value { get; set; } = value;

    public JsonObject Tags { get; set; } = new() { ["owner"] = "team-checkout" };

    public string ContentType { get; set; } = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

    public int Version { get; set; } = 1;

    public Action? BeforeNextPut { get; set; }

    public string ETag => $"\"etag-{Version}\"";

    public static Dictionary<string, string?> HmacSettings(LoopbackServer server) => new()
    {
        ["Providers:azureappconfig:Endpoint"] = BaseUrl(server),
        ["Providers:azureappconfig:Credential"] = "rg-cred-id",
        ["Providers:azureappconfig:Secret"] = Secret,
    };

    /// <summary>Recomputes the HMAC from the request as received, independently of the client's code.</summary>
    public static void AssertSignedCorrectly(RecordedRequest request)
    {
        var hash = Convert.ToBase64String(SHA256.HashData(request.Body));
        Assert.Equal(hash, request.Header("x-ms-content-sha256"));
        var date = request.Header("x-ms-date")!;
        Assert.True(DateTimeOffset.TryParse(date, out _), "x-ms-date is a date");
        var stringToSign = $"{request.Method}\n{request.Path}{request.Query}\n{date};{request.Header("Host")};{hash}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(Secret), Encoding.UTF8.GetBytes(stringToSign)));
        Assert.Equal(
            $"HMAC-SHA256 Credential=rg-cred-id&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={expected}",
            request.Header("Authorization"));
    }

    public async Task Handle(RecordedRequest request, HttpContext context)
    {
        context.Response.ContentType = "application/vnd.microsoft.appconfig.kv+json; charset=utf-8";
        if (request.Method == "GET")
        {
            string body;
            lock (_gate)
            {
                context.Response.Headers.ETag = ETag;
                body = new JsonObject
                {
                    ["etag"] = $"etag-{Version}",
                    ["key"] = ".appconfig.featureflag/new-checkout",
                    ["label"] = "prod",
                    ["content_type"] = ContentType,
                    ["value"] = Value,
                    ["tags"] = Tags.DeepClone(),
                    ["locked"] = false,
                    ["last_modified"] = $"2026-12-0{Math.Min(Version, 9)}T08:00:00+00:00",
                }.ToJsonString();
            }

            await context.Response.WriteAsync(body);
            return;
        }

        var before = BeforeNextPut;
        BeforeNextPut = null;
        before?.Invoke();
        lock (_gate)
        {
            if (request.Header("If-Match") != ETag)
            {
                context.Response.StatusCode = 412;
                return;
            }

            var put = JsonDocument.Parse(request.Body).RootElement;
            Value = put.GetProperty("value").GetString()!;
            ContentType = put.TryGetProperty("content_type", out var type) ? type.GetString()! : "";
            Tags = put.TryGetProperty("tags", out var tags) ? JsonNode.Parse(tags.GetRawText())!.AsObject() : [];
            Version++;
        }

        await context.Response.WriteAsync("{}");
    }
}
