using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.Primitives;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;
using ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

namespace ReleaseGuardian.Infrastructure.Tests.HttpApi;

public sealed class JsonStringsTests
{
    private static readonly KeyValuePair<string, StringValues>[] None = [];

    /// <summary>One real body per JSON route: every provider's and tool's sample, the CloudEvents doors, and the management bodies.</summary>
    public static TheoryData<string> Routes()
    {
        var data = new TheoryData<string>();
        foreach (var provider in FlagDeliveries.SampleFiles.Keys)
        {
            data.Add("flag:" + provider);
        }

        foreach (var file in new[] { "k6-handle-summary.json", "jmeter-statistics.json", "gatling-stats.json", "locust.json", "artillery-report.json", "azureloadtesting-run.json" })
        {
            data.Add("loadtest:" + file);
        }

        foreach (var file in new[] { "flag-changed.structured.json", "batch.json", "eventgrid-validation.json", "litmus-chaosresult-fail.json" })
        {
            data.Add("events:" + file);
        }

        data.Add("evaluations");
        data.Add("invalidate");
        return data;
    }

    private static byte[] Sample(string route) => route.Split(':', 2) switch
    {
        ["flag", var provider] => FlagDeliveries.Sample(provider),
        ["loadtest", var file] => Deliveries.LoadTestPayload(file),
        ["events", var file] => Deliveries.Payload("CloudEvents", file),
        ["evaluations"] => """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"r-1","signals":{"latency.p95":120}}"""u8.ToArray(),
        _ => """{"reason":"load generator was saturated"}"""u8.ToArray(),
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Ten_thousand_lone_surrogates_in_a_routes_real_body_are_each_refused_naming_the_json_path(string route)
    {
        var sample = Sample(route);
        var (clean, cleanProblem) = await ApiRequestReader.ReadAsync(new MemoryStream(sample), sample.Length, "application/json", None, None, CancellationToken.None);
        Assert.Null(cleanProblem);
        Assert.NotNull(clean);

        // CsCheck runs the checks on all cores; 10,000 per route is the issue's bar for the hostile suite.
        await LoneSurrogates.Into(sample).SampleAsync(async damaged =>
        {
            var (request, problem) = await ApiRequestReader.ReadAsync(
                new MemoryStream(damaged.Body), damaged.Body.Length, "application/json", None, None, CancellationToken.None);
            Assert.Null(request);
            Assert.Equal(IngestFailure.Malformed, problem!.Kind);
            Assert.Equal(damaged.Field, problem.Field);
            Assert.Contains("surrogate", problem.Detail, StringComparison.Ordinal);
        }, iter: 10_000);
    }

    /// <summary>A JSON string's content: plain characters and \u escapes, surrogates (paired, lone, reversed) over-represented.</summary>
    private static readonly Gen<string> EscapedText = Gen.Frequency(
        (3, Gen.Char.AlphaNumeric.Select(c => c.ToString())),
        (2, Gen.Int[0xD800, 0xDFFF].Select(u => $"\\u{u:x4}")),
        (1, Gen.Int[0, 0xFFFF].Select(u => $"\\u{u:X4}")),
        (1, Gen.Const(@"\ud83d\ude00")),
        (1, Gen.OneOfConst(@"\n", @"\""", @"\\", "é", "😀"))).Array[0, 6].Select(parts => string.Concat(parts));

    private static readonly Gen<string> Documents =
        Gen.Select(EscapedText, EscapedText, EscapedText, EscapedText).Select((a, b, c, d) =>
            "{\"k" + a + "\":\"" + b + "\",\"list\":[\"x\",\"" + c + "\",1,{\"" + d + "\":null}],\"n\":{\"deep\":[\"" + b + c + "\"]}}");

    [Fact]
    public void The_check_flags_a_document_exactly_when_system_text_json_cannot_decode_one_of_its_strings()
    {
        Documents.Sample(text =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var flagged = JsonStrings.FindUndecodable(bytes) is not null;
            Assert.Equal(!DecodesWhole(bytes), flagged);
        }, iter: 5_000);
    }

    // The oracle: the parsers behind the routes ask for every string; this does the same and sees whether one throws.
    private static bool DecodesWhole(byte[] json)
    {
        try
        {
            Walk(JsonNode.Parse(json));
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    _ = key.Length;
                    Walk(value);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Walk(item);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                _ = v.GetValue<string>();
                break;
        }
    }

    [Theory]
    [InlineData("""{"a":"\ud800"}""", "a")]
    [InlineData("""{"a":{"b":["ok","x\udc00"]}}""", "a.b[1]")]
    [InlineData("""[{"data":{"validationCode":"\ud800"}}]""", "[0].data.validationCode")]
    [InlineData("""{"signals":{"\ud800":1}}""", "signals")]
    [InlineData("""{"\udfff":1}""", "$")]
    [InlineData("\"\\ud800\"", "$")]
    public void The_path_names_the_string_that_does_not_decode(string json, string path) =>
        Assert.Equal(path, JsonStrings.FindUndecodable(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00 ok"}""")]
    [InlineData("not json \\ud800")]
    [InlineData("")]
    public void Valid_pairs_and_bodies_that_are_not_json_pass(string json) =>
        Assert.Null(JsonStrings.FindUndecodable(Encoding.UTF8.GetBytes(json)));
}
