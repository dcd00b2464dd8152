using System.Globalization;
using System.Net.Mime;
using System.Text;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

namespace ReleaseGuardian.Benchmarks.Ingestion;

/// <summary>
/// <c>dotnet run -c Release --project tests/ReleaseGuardian.Benchmarks -- cloudevents-errors</c>: feeds the same
/// malformed CloudEvents to the hand-written reader and to the CNCF SDK and counts, for each, the answers that name
/// the attribute at fault (and, in a batch, the event's index), as RFC 7807 answers here must.
/// </summary>
public static class CloudEventsErrorPrecision
{
    private const string Data = """{"flagKey":"new-checkout","provider":"flagd","current":{"variant":"on"},"changedAt":"2026-11-24T09:54:58Z"}""";

    private static string Event(string id = "\"c-1\"", string source = "\"/ci/flags\"", string type = "\"releaseguardian.flag.changed.v1\"",
        string time = "\"2026-11-24T09:55:00Z\"", string specversion = "\"1.0\"", string? extra = null) =>
        "{" + string.Join(",", new[]
        {
            specversion is "" ? null : $"\"specversion\":{specversion}",
            id is "" ? null : $"\"id\":{id}",
            source is "" ? null : $"\"source\":{source}",
            type is "" ? null : $"\"type\":{type}",
            time is "" ? null : $"\"time\":{time}",
            extra,
            $"\"data\":{Data}",
        }.Where(p => p is not null)) + "}";

    /// <summary>Each case: what is wrong, the body, its media type, binary-mode headers, and the words a precise answer contains.</summary>
    private static readonly (string Case, string Body, string MediaType, Dictionary<string, string>? Headers, string[] Names)[] Cases =
    [
        ("id missing", Event(id: ""), CloudEventsReader.StructuredMediaType, null, ["id"]),
        ("source missing", Event(source: ""), CloudEventsReader.StructuredMediaType, null, ["source"]),
        ("type missing", Event(type: ""), CloudEventsReader.StructuredMediaType, null, ["type"]),
        ("specversion missing", Event(specversion: ""), CloudEventsReader.StructuredMediaType, null, ["specversion"]),
        ("id is a number", Event(id: "42"), CloudEventsReader.StructuredMediaType, null, ["id"]),
        ("time is not a timestamp", Event(time: "\"yesterday\""), CloudEventsReader.StructuredMediaType, null, ["time"]),
        ("source is empty", Event(source: "\"\""), CloudEventsReader.StructuredMediaType, null, ["source"]),
        ("datacontenttype is an object", Event(extra: "\"datacontenttype\":{}"), CloudEventsReader.StructuredMediaType, null, ["datacontenttype"]),
        ("id is a lone surrogate", Event(id: "\"\\ud800\""), CloudEventsReader.StructuredMediaType, null, ["id"]),
        ("batch: event [2] has no id", "[" + Event() + "," + Event() + "," + Event(id: "") + "]", CloudEventsReader.BatchMediaType, null, ["[2]", "id"]),
        ("batch: event [1] has a bad time", "[" + Event() + "," + Event(time: "\"soon\"") + "]", CloudEventsReader.BatchMediaType, null, ["[1]", "time"]),
        ("batch: event [0] is not an object", "[42]", CloudEventsReader.BatchMediaType, null, ["[0]"]),
        ("batch: events [0] and [2] have no source", "[" + Event(source: "") + "," + Event() + "," + Event(source: "") + "]", CloudEventsReader.BatchMediaType, null, ["[0].source", "[2].source"]),
        ("binary: ce-source missing", Data, "application/json", new() { ["ce-specversion"] = "1.0", ["ce-id"] = "c-1", ["ce-type"] = "releaseguardian.flag.changed.v1" }, ["ce-source"]),
        ("binary: ce-time is not a timestamp", Data, "application/json", new() { ["ce-specversion"] = "1.0", ["ce-id"] = "c-1", ["ce-source"] = "/ci", ["ce-type"] = "releaseguardian.flag.changed.v1", ["ce-time"] = "later" }, ["ce-time"]),
    ];

    public static async Task<int> RunAsync()
    {
        var formatter = new JsonEventFormatter();
        int ours = 0, sdk = 0;
        Console.WriteLine("| case | this reader | CNCF SDK 2.9 |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, body, mediaType, headers, names) in Cases)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var ourAnswer = ReaderAnswer(new WebhookRequest(bytes, headers ?? Deliveries.NoQuery, Deliveries.NoQuery, mediaType));
            var sdkAnswer = await SdkAnswerAsync(formatter, bytes, mediaType, headers);
            ours += Names(ourAnswer, names) ? 1 : 0;
            sdk += Names(sdkAnswer, names) ? 1 : 0;
            Console.WriteLine($"| {name} | {Cell(ourAnswer)} | {Cell(sdkAnswer)} |");
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"answers naming the attribute (and batch index): this reader {ours}/{Cases.Length}, CNCF SDK {sdk}/{Cases.Length}"));
        return 0;
    }

    private static string ReaderAnswer(WebhookRequest request)
    {
        try
        {
            var result = CloudEventsReader.Read(request);
            return result.IsAccepted ? "accepted" : string.Join("; ", result.Problems.Select(p => $"{p.Field}: {p.Detail}"));
        }
        catch (InvalidOperationException e)
        {
            // Over HTTP the hosts' up-front string check answers first; a direct call (the queue path) gets this.
            return $"threw {e.GetType().Name}: {e.Message}";
        }
    }

    private static async Task<string> SdkAnswerAsync(JsonEventFormatter formatter, byte[] bytes, string mediaType, Dictionary<string, string>? headers)
    {
        try
        {
            if (headers is not null)
            {
                // Binary mode: the SDK's HttpRequestMessage reader, with the headers and body collected as a host would.
                using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/api/events") { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                var binary = await request.ToCloudEventAsync(formatter);
                return Validate(binary);
            }

            if (mediaType == CloudEventsReader.BatchMediaType)
            {
                var batch = formatter.DecodeBatchModeMessage(bytes, new ContentType(mediaType), null);
                return string.Join("; ", batch.Select(Validate));
            }

            return Validate(formatter.DecodeStructuredModeMessage(bytes, new ContentType(mediaType), null));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    // The SDK validates the required attributes when asked; its decoders do that already, so this is belt and braces.
    private static string Validate(CloudEvent cloudEvent) => cloudEvent.IsValid ? "accepted" : "invalid: " + string.Join(", ", cloudEvent.GetPopulatedAttributes().Select(a => a.Key.Name));

    private static bool Names(string answer, string[] names) => answer != "accepted" && !answer.StartsWith("threw", StringComparison.Ordinal) && names.All(n => answer.Contains(n, StringComparison.Ordinal));

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
