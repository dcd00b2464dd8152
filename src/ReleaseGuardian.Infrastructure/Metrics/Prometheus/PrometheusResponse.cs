using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>
/// Reads the Prometheus HTTP API's instant-query answer:
/// <c>{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[ts,"1.5"]}]}}</c>,
/// or <c>"resultType":"scalar","result":[ts,"1.5"]</c>, or <c>{"status":"error","errorType":"bad_data","error":"..."}</c>.
/// It never throws and never turns anything but one finite sample into a value.
/// </summary>
public static class PrometheusResponse
{
    /// <summary>The single value the response carries, or why there is none.</summary>
    public static QueryResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return QueryResult.Fail("the response is not JSON");
        }
    }

    /// <summary>
    /// The single value a streamed answer carries (parsed as it arrives, never copied whole first). Only a stream
    /// error (e.g. the outbound answer cap) propagates; a malformed answer is a failure.
    /// </summary>
    public static async Task<QueryResult> ParseAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(utf8Json, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return QueryResult.Fail("the response is not JSON");
        }
    }

    /// <summary>The Prometheus error a streamed non-success answer carries, or null.</summary>
    public static async Task<string?> ErrorOfAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(utf8Json, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && Text(root, "status") == "error" ? DescribeError(root) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The same, for text.</summary>
    public static QueryResult Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// The error a non-success answer carries ("bad_data: parse error at char 5"), or null when the body is
    /// not a Prometheus error.
    /// </summary>
    public static string? ErrorOf(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && Text(root, "status") == "error" ? DescribeError(root) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The values of <paramref name="label"/> across the series of a vector answer (any number of series); "no data" for
    /// an empty vector; another failure for anything else.
    /// </summary>
    public static ProbeResult LabelValues(ReadOnlySpan<byte> utf8Json, string label)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "status") != "success"
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || Text(data, "resultType") != "vector" || !data.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
            {
                return new ProbeResult([], root.ValueKind == JsonValueKind.Object && Text(root, "status") == "error" ? DescribeError(root) : "not a vector answer");
            }

            if (result.GetArrayLength() == 0)
            {
                return new ProbeResult([], "no data");
            }

            var values = result.EnumerateArray()
                .Select(series => series.ValueKind == JsonValueKind.Object && series.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Object
                    ? Text(metric, label) : null)
                .OfType<string>()
                .ToList();
            return new ProbeResult(values, null);
        }
        catch (JsonException)
        {
            return new ProbeResult([], "the response is not JSON");
        }
    }

    private static QueryResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return QueryResult.Fail("the response is not a JSON object");
        }

        var status = Text(root, "status");
        if (status == "error")
        {
            return QueryResult.Fail(DescribeError(root));
        }

        if (status != "success")
        {
            return QueryResult.Fail(status is null ? "the response has no status" : $"the response status is '{QueryResult.Truncate(status, 40)}'");
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            return QueryResult.Fail("the response has no data");
        }

        if (!data.TryGetProperty("result", out var result))
        {
            return QueryResult.Fail("the response has no data.result");
        }

        return Text(data, "resultType") switch
        {
            "vector" => ReadVector(result),
            "scalar" => ReadSample(result, "data.result"),
            "matrix" => QueryResult.Fail("the query returned a range (matrix); expected an instant vector or scalar"),
            "string" => QueryResult.Fail("the query returned a string; expected a number"),
            null => QueryResult.Fail("the response has no data.resultType"),
            var other => QueryResult.Fail($"unknown resultType '{QueryResult.Truncate(other, 40)}'"),
        };
    }

    private static QueryResult ReadVector(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Array)
        {
            return QueryResult.Fail("data.result is not an array");
        }

        var count = result.GetArrayLength();
        if (count == 0)
        {
            return QueryResult.Fail("no data");
        }

        if (count > 1)
        {
            // Picking one series would be a guess; the query must aggregate to one.
            return QueryResult.Fail($"the query returned {count} series; expected one (aggregate it, e.g. with sum)");
        }

        var series = result[0];
        if (series.ValueKind != JsonValueKind.Object || !series.TryGetProperty("value", out var sample))
        {
            return QueryResult.Fail("data.result[0] has no value");
        }

        return ReadSample(sample, "data.result[0].value");
    }

    private static QueryResult ReadSample(JsonElement sample, string path)
    {
        if (sample.ValueKind != JsonValueKind.Array || sample.GetArrayLength() != 2)
        {
            return QueryResult.Fail($"{path} is not a [timestamp, \"value\"] pair");
        }

        var value = sample[1];
        return value.ValueKind == JsonValueKind.String
            ? QueryResult.ParseNumber(value.GetString(), "the value")
            : QueryResult.Fail($"{path}[1] is not a string");
    }

    private static string DescribeError(JsonElement root)
    {
        var type = Text(root, "errorType");
        var error = Text(root, "error");
        var text = (type, error) switch
        {
            (null, null) => "Prometheus reported an error",
            (null, _) => error!,
            (_, null) => type,
            _ => $"{type}: {error}",
        };
        return QueryResult.Truncate(text, 500);
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What a probe answered: the label values it found, or why it found none.</summary>
/// <param name="Conventions">The label values, one per series.</param>
/// <param name="Failure">Why there are none ("no data" for an empty answer), or null.</param>
public sealed record ProbeResult(IReadOnlyList<string> Conventions, string? Failure);
