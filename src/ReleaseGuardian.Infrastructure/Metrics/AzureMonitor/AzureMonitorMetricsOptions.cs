namespace ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;

/// <summary>Configuration under <c>Metrics:AzureMonitor</c>.</summary>
public sealed class AzureMonitorMetricsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Metrics:AzureMonitor";

    /// <summary>The public cloud's Log Analytics query endpoint.</summary>
    public const string DefaultEndpoint = "https://api.loganalytics.azure.com";

    /// <summary>The token scope of the Log Analytics query API.</summary>
    public const string Scope = "https://api.loganalytics.io/.default";

    /// <summary>The query endpoint (<c>Metrics:AzureMonitor:Endpoint</c>); sovereign clouds and tests change it.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;
}
