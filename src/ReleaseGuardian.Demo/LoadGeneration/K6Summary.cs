using System.Text.Json;

namespace ReleaseGuardian.Demo.LoadGeneration;

/// <summary>
/// Writes a load test's result in the shape of k6's <c>handleSummary(data)</c> JSON, the part Release Guardian
/// reads: <c>metrics.http_req_duration.values</c> (avg, min, med, max, p(90), p(95)) of
/// <see cref="LoadTestResult.ServiceLatenciesMs"/>,
/// <c>metrics.http_req_failed.values</c> (rate, passes = failed requests, fails = the others),
/// <c>metrics.http_reqs.values</c> (count, rate) and <c>state.testRunDurationMs</c>.
/// </summary>
public static class K6Summary
{
    /// <summary>The summary as UTF-8 JSON bytes, ready to sign and post.</summary>
    public static byte[] ToJson(LoadTestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        // The service's own handling time where it reported one (Server-Timing), so a busy machine's queueing does
        // not pass for the release's latency; the injected slowness of the new checkout is inside that time.
        var sorted = result.ServiceLatenciesMs.Order().ToArray();
        var seconds = Math.Max(result.Elapsed.TotalSeconds, 0.001);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("state");
            json.WriteBoolean("isStdOutTTY", false);
            json.WriteBoolean("isStdErrTTY", false);
            json.WriteNumber("testRunDurationMs", Math.Round(result.Elapsed.TotalMilliseconds, 3));
            json.WriteEndObject();

            json.WriteStartObject("metrics");
            json.WriteStartObject("http_req_duration");
            json.WriteString("type", "trend");
            json.WriteString("contains", "time");
            json.WriteStartObject("values");
            json.WriteNumber("avg", Round(sorted.Length == 0 ? 0 : sorted.Average()));
            json.WriteNumber("min", Round(sorted.Length == 0 ? 0 : sorted[0]));
            json.WriteNumber("med", Round(Percentile(sorted, 0.5)));
            json.WriteNumber("max", Round(sorted.Length == 0 ? 0 : sorted[^1]));
            json.WriteNumber("p(90)", Round(Percentile(sorted, 0.9)));
            json.WriteNumber("p(95)", Round(Percentile(sorted, 0.95)));
            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartObject("http_req_failed");
            json.WriteString("type", "rate");
            json.WriteString("contains", "default");
            json.WriteStartObject("values");
            json.WriteNumber("rate", result.FailureRate);
            json.WriteNumber("passes", result.Failures);
            json.WriteNumber("fails", result.Requests - result.Failures);
            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartObject("http_reqs");
            json.WriteString("type", "counter");
            json.WriteString("contains", "default");
            json.WriteStartObject("values");
            json.WriteNumber("count", result.Requests);
            json.WriteNumber("rate", Round(result.Requests / seconds));
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();

            json.WriteStartObject("options");
            json.WriteStartArray("summaryTrendStats");
            foreach (var stat in new[] { "avg", "min", "med", "max", "p(90)", "p(95)" })
            {
                json.WriteStringValue(stat);
            }

            json.WriteEndArray();
            json.WriteString("summaryTimeUnit", "");
            json.WriteBoolean("noColor", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The p-quantile of sorted values by linear interpolation between order statistics (Hyndman-Fan type 7,
    /// the rule the judgement uses); 0 for no values.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        var h = (sorted.Count - 1) * p;
        var low = (int)Math.Floor(h);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    private static double Round(double value) => Math.Round(value, 3);
}
