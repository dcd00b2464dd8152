using System.Text;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

/// <summary>Builds webhook deliveries from the sample documents under Payloads/ (copied to the output).</summary>
internal static class Deliveries
{
    public static byte[] Payload(string folder, string file) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Ingestion", folder, "Payloads", file));

    public static byte[] LoadTestPayload(string file) => Payload("LoadTests", file);

    public static WebhookRequest Request(
        byte[] body,
        IReadOnlyDictionary<string, string>? query = null,
        IReadOnlyDictionary<string, string>? headers = null,
        string? contentType = "application/json") =>
        new(body, headers ?? new Dictionary<string, string>(), query ?? new Dictionary<string, string>(), contentType);

    public static WebhookRequest Request(string body, IReadOnlyDictionary<string, string>? query = null, IReadOnlyDictionary<string, string>? headers = null, string? contentType = "application/json") =>
        Request(Encoding.UTF8.GetBytes(body), query, headers, contentType);

    public static Dictionary<string, string> Query(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}
