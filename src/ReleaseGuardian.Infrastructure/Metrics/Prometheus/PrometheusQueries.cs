using System.Globalization;
using System.Text;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>
/// The PromQL for each golden signal, over the OpenTelemetry HTTP server semantic conventions as the
/// Prometheus exporter names them (<c>http.server.request.duration</c> in seconds becomes
/// <c>http_server_request_duration_seconds_{bucket,sum,count}</c>, <c>service.name</c> becomes
/// <c>service_name</c>, <c>http.response.status_code</c> becomes <c>http_response_status_code</c>).
/// Every query is an instant query evaluated at the window's end over a range of the window's length.
/// </summary>
public static class PrometheusQueries
{
    /// <summary>The histogram every default query reads.</summary>
    public const string DurationMetric = "http_server_request_duration_seconds";

    /// <summary>The label holding the service name.</summary>
    public const string ServiceLabel = "service_name";

    /// <summary>The label holding the HTTP response status code.</summary>
    public const string StatusCodeLabel = "http_response_status_code";

    /// <summary>The query for <paramref name="signal"/>, or null for a custom signal without an override.</summary>
    public static string? For(SignalRequest signal, MetricsRequest request)
    {
        if (!string.IsNullOrWhiteSpace(signal.QueryOverride))
        {
            return Fill(signal.QueryOverride, request);
        }

        return Default(signal.Signal, request.Guardian.Service, Window(request));
    }

    /// <summary>The default query for a golden signal, or null when <paramref name="signal"/> is not golden.</summary>
    public static string? Default(string signal, string service, string window)
    {
        var all = $"{ServiceLabel}=\"{EscapeLabelValue(service)}\"";
        var errors = $"{all},{StatusCodeLabel}=~\"5..\"";
        return signal switch
        {
            SignalNames.LatencyP50 => Quantile("0.5", all, window),
            SignalNames.LatencyP90 => Quantile("0.9", all, window),
            SignalNames.LatencyP95 => Quantile("0.95", all, window),
            SignalNames.LatencyP99 => Quantile("0.99", all, window),
            SignalNames.LatencyAvg =>
                $"sum(rate({DurationMetric}_sum{{{all}}}[{window}])) / sum(rate({DurationMetric}_count{{{all}}}[{window}])) * 1000",
            // "or vector(0)": no 5xx series at all means no errors, not no data; the denominator still
            // makes the result empty when the service reported nothing.
            SignalNames.ErrorsRate =>
                $"(sum(rate({DurationMetric}_count{{{errors}}}[{window}])) or vector(0)) / sum(rate({DurationMetric}_count{{{all}}}[{window}]))",
            SignalNames.ErrorsCount =>
                $"(sum(increase({DurationMetric}_count{{{errors}}}[{window}])) or vector(0)) and on() sum(increase({DurationMetric}_count{{{all}}}[{window}]))",
            SignalNames.TrafficRequests or SignalNames.SampleCount =>
                $"sum(increase({DurationMetric}_count{{{all}}}[{window}]))",
            SignalNames.TrafficRps =>
                $"sum(rate({DurationMetric}_count{{{all}}}[{window}]))",
            _ => null,
        };
    }

    /// <summary>The window as a PromQL range, in whole seconds (at least 1): "60s".</summary>
    public static string Window(MetricsRequest request) =>
        Math.Max(1, (long)Math.Round(request.Window.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>The evaluation time, the window's end, in Unix seconds: "1795514460" or "1795514460.5".</summary>
    public static string UnixSeconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// Fills the placeholders of an override: <c>{service}</c> (escaped for a label value), <c>{window}</c>
    /// ("60s"), <c>{start}</c> and <c>{end}</c> (Unix seconds, e.g. for the <c>@</c> modifier).
    /// </summary>
    public static string Fill(string query, MetricsRequest request) =>
        new StringBuilder(query)
            .Replace("{service}", EscapeLabelValue(request.Guardian.Service))
            .Replace("{window}", Window(request))
            .Replace("{start}", UnixSeconds(request.Start))
            .Replace("{end}", UnixSeconds(request.End))
            .ToString();

    /// <summary>Escapes text for use inside a double-quoted PromQL label value.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Quantile(string q, string selector, string window) =>
        $"histogram_quantile({q}, sum by (le) (rate({DurationMetric}_bucket{{{selector}}}[{window}]))) * 1000";
}
