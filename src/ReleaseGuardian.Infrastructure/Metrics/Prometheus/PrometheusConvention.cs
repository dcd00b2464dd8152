using System.Globalization;
using System.Text.RegularExpressions;

namespace ReleaseGuardian.Infrastructure.Metrics.Prometheus;

/// <summary>Where a service's name sits on its Prometheus series.</summary>
public enum ServiceIdentity
{
    /// <summary>A <c>service_name</c> label on every series (resource attributes copied onto the series).</summary>
    ServiceNameLabel,

    /// <summary>The <c>job</c> label: Prometheus' OTLP receiver sets it to <c>service.namespace/service.name</c>
    /// or <c>service.name</c>; a scrape job named after the service does the same.</summary>
    Job,

    /// <summary>Only on <c>target_info</c>, joined to the series on <c>job</c> and <c>instance</c>: what
    /// OpenTelemetry's Prometheus exporters (.NET and JS) serve by default.</summary>
    TargetInfo,
}

/// <summary>
/// One way OpenTelemetry's HTTP server request histogram reaches Prometheus: its name, the unit it counts in, the
/// status-code label and where the service's name is.
/// </summary>
/// <remarks>
/// The names, from the exporters' own code:
/// <list type="bullet">
/// <item><c>http_server_request_duration_seconds</c>: <c>http.server.request.duration</c> (unit <c>s</c>, HTTP semantic
/// conventions 1.23+, ASP.NET Core 8+'s own meter) through the .NET Prometheus exporter
/// (opentelemetry-dotnet, OpenTelemetry.Exporter.Prometheus.*, which appends the unit) or Prometheus' OTLP receiver
/// (prometheus/prometheus storage/remote/otlptranslator, which appends the unit and maps service.name to job).</item>
/// <item><c>http_server_request_duration</c>: the same histogram through the JS exporter
/// (opentelemetry-js experimental/packages/opentelemetry-exporter-prometheus PrometheusSerializer.ts, which only
/// sanitises the name, appends no unit, and puts resource attributes on <c>target_info</c> alone).</item>
/// <item><c>http_server_duration_milliseconds</c> and <c>http_server_duration</c>: the older <c>http.server.duration</c>
/// (unit <c>ms</c>, label <c>http_status_code</c>) through the OTLP receiver and the JS exporter.</item>
/// </list>
/// </remarks>
/// <param name="Metric">The histogram's base name (without <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</param>
/// <param name="ToMilliseconds">What a recorded value is multiplied by to give milliseconds.</param>
/// <param name="StatusCodeLabel">The label holding the HTTP response status code.</param>
/// <param name="Identity">Where the service's name is.</param>
/// <param name="Origin">Who produces series named this way, in words.</param>
public sealed record PrometheusConvention(string Metric, double ToMilliseconds, string StatusCodeLabel, ServiceIdentity Identity, string Origin)
{
    private static readonly (string Metric, double ToMilliseconds, string StatusCodeLabel, string Origin)[] Histograms =
    [
        ("http_server_request_duration_seconds", 1000, "http_response_status_code", ".NET Prometheus exporter or Prometheus' OTLP receiver (seconds)"),
        ("http_server_request_duration", 1000, "http_response_status_code", "OpenTelemetry JS Prometheus exporter, no unit suffix (seconds)"),
        ("http_server_duration_milliseconds", 1, "http_status_code", "older HTTP semantic conventions through Prometheus' OTLP receiver (milliseconds)"),
        ("http_server_duration", 1, "http_status_code", "older HTTP semantic conventions through the OpenTelemetry JS exporter (milliseconds)"),
    ];

    /// <summary>Every known convention, in the order they are tried: names first, then where the service is.</summary>
    public static IReadOnlyList<PrometheusConvention> All { get; } =
    [
        .. from h in Histograms
           from identity in new[] { ServiceIdentity.ServiceNameLabel, ServiceIdentity.Job, ServiceIdentity.TargetInfo }
           select new PrometheusConvention(h.Metric, h.ToMilliseconds, h.StatusCodeLabel, identity, h.Origin),
    ];

    /// <summary>
    /// A range function (<c>rate</c>, <c>increase</c>, ...) of the service's <paramref name="suffix"/> series, with
    /// extra label matchers: <c>rate(m_count{service_name="checkout"}[60s])</c>, or for <see cref="ServiceIdentity.TargetInfo"/>
    /// <c>(rate(m_count[60s]) * on (job, instance) group_left () max by (job, instance) (target_info{service_name="checkout"}))</c>.
    /// </summary>
    public string Series(string function, string suffix, string? matchers, string service, string window)
    {
        var name = PrometheusQueries.EscapeLabelValue(service);
        var identity = Identity switch
        {
            ServiceIdentity.ServiceNameLabel => $"{PrometheusQueries.ServiceLabel}=\"{name}\"",
            ServiceIdentity.Job => $"job=~\"{PrometheusQueries.EscapeLabelValue(JobPattern(service))}\"",
            _ => null,
        };
        var selector = string.Join(",", new[] { identity, matchers }.Where(m => !string.IsNullOrEmpty(m)));
        var series = $"{function}({Metric}_{suffix}{(selector.Length == 0 ? "" : "{" + selector + "}")}[{window}])";
        return Identity == ServiceIdentity.TargetInfo
            ? $"({series} * on (job, instance) group_left () max by (job, instance) (target_info{{{PrometheusQueries.ServiceLabel}=\"{name}\"}}))"
            : series;
    }

    /// <summary>In words, for the evidence: which series matched and where the service was found.</summary>
    public string Describe() => Identity switch
    {
        ServiceIdentity.ServiceNameLabel => $"{Metric} ({Origin}), service on its service_name label",
        ServiceIdentity.Job => $"{Metric} ({Origin}), service as its job label",
        _ => $"{Metric} ({Origin}), service only on target_info (joined on job, instance)",
    };

    /// <inheritdoc />
    public override string ToString() => Describe();

    // job is "checkout" or, from the OTLP receiver with service.namespace set, "shop/checkout".
    private static string JobPattern(string service) =>
        string.Create(CultureInfo.InvariantCulture, $"(.+/)?{Regex.Escape(service)}");
}
