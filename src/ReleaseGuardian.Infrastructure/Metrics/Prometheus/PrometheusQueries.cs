using System.Globalization;
using System.Text;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>
/// The PromQL for each golden signal, over OpenTelemetry's HTTP server duration histogram as it reaches Prometheus.
/// How it is named and where the service's name sits depends on the path (<see cref="PrometheusConvention"/>): the
/// default queries are written for one convention, and <see cref="PrometheusMetricsSource"/> first asks Prometheus
/// which convention the guarded service's series follow. Every query is an instant query evaluated at the window's
/// end over a range of the window's length.
/// </summary>
public static class PrometheusQueries
{
    /// <summary>The histogram the first convention reads (.NET exporter, Prometheus' OTLP receiver).</summary>
    public const string DurationMetric = "http_server_request_duration_seconds";

    /// <summary>The label holding the service name where resource attributes are copied onto every series.</summary>
    public const string ServiceLabel = "service_name";

    /// <summary>The label holding the HTTP response status code (HTTP semantic conventions 1.23 and later).</summary>
    public const string StatusCodeLabel = "http_response_status_code";

    /// <summary>The query for <paramref name="signal"/>, or null for a custom signal without an override.</summary>
    public static string? For(SignalRequest signal, MetricsRequest request, PrometheusConvention? convention = null)
    {
        if (!string.IsNullOrWhiteSpace(signal.QueryOverride))
        {
            return Fill(signal.QueryOverride, request);
        }

        return Default(signal.Signal, request.Guardian.Service, Window(request), convention ?? PrometheusConvention.All[0]);
    }

    /// <summary>The default query for a golden signal under the first convention, or null when it is not golden.</summary>
    public static string? Default(string signal, string service, string window) =>
        Default(signal, service, window, PrometheusConvention.All[0]);

    /// <summary>The default query for a golden signal under <paramref name="convention"/>, or null when it is not golden.</summary>
    public static string? Default(string signal, string service, string window, PrometheusConvention convention)
    {
        ArgumentNullException.ThrowIfNull(convention);
        var errors = $"{convention.StatusCodeLabel}=~\"5..\"";
        var scale = convention.ToMilliseconds == 1 ? "" : " * " + convention.ToMilliseconds.ToString(CultureInfo.InvariantCulture);
        string Rate(string suffix, string? matchers = null) => convention.Series("rate", suffix, matchers, service, window);
        string Increase(string suffix, string? matchers = null) => convention.Series("increase", suffix, matchers, service, window);
        return signal switch
        {
            SignalNames.LatencyP50 => Quantile("0.5", Rate("bucket"), scale),
            SignalNames.LatencyP90 => Quantile("0.9", Rate("bucket"), scale),
            SignalNames.LatencyP95 => Quantile("0.95", Rate("bucket"), scale),
            SignalNames.LatencyP99 => Quantile("0.99", Rate("bucket"), scale),
            SignalNames.LatencyAvg => $"sum({Rate("sum")}) / sum({Rate("count")}){scale}",
            // "or vector(0)": no 5xx series at all means no errors, not no data; the denominator still
            // makes the result empty when the service reported nothing.
            SignalNames.ErrorsRate => $"(sum({Rate("count", errors)}) or vector(0)) / sum({Rate("count")})",
            SignalNames.ErrorsCount => $"(sum({Increase("count", errors)}) or vector(0)) and on() sum({Increase("count")})",
            SignalNames.TrafficRequests or SignalNames.SampleCount => $"sum({Increase("count")})",
            SignalNames.TrafficRps => $"sum({Rate("count")})",
            _ => null,
        };
    }

    /// <summary>The label <see cref="Probe"/> puts the index of each matching convention in.</summary>
    public const string ConventionLabel = "releaseguardian_convention";

    /// <summary>
    /// One query that answers, for every convention in <see cref="PrometheusConvention.All"/> under which the service has
    /// request series in the window, one series labelled <see cref="ConventionLabel"/> = its index.
    /// </summary>
    public static string Probe(string service, string window) =>
        string.Join(" or ", PrometheusConvention.All.Select((c, i) =>
            $"label_replace(sum({c.Series("count_over_time", "count", null, service, window)}), \"{ConventionLabel}\", \"{i.ToString(CultureInfo.InvariantCulture)}\", \"\", \"\")"));

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

    private static string Quantile(string q, string bucketRates, string scale) =>
        $"histogram_quantile({q}, sum by (le) ({bucketRates})){scale}";
}
