namespace ReleaseGuardian.Core.Definitions;

/// <summary>
/// A guardian: which service and flag it protects, where its signals come from, how it learns its
/// baseline, what it judges and what it does about a bad verdict (DESIGN.md §6).
/// </summary>
/// <param name="Id">Matches <c>^[a-z0-9][a-z0-9-]{0,62}$</c>.</param>
/// <param name="DisplayName">A human name; defaults to the id.</param>
/// <param name="Service">The guarded service (used in default metric queries).</param>
/// <param name="Flag">The guarded feature flag.</param>
/// <param name="Metrics">Where the golden signals come from.</param>
/// <param name="Training">How many runs the baseline needs and keeps.</param>
/// <param name="Objectives">What is judged.</param>
/// <param name="Policy">What a decision triggers.</param>
public sealed record GuardianDefinition(
    string Id,
    string DisplayName,
    string Service,
    FlagBinding? Flag,
    MetricsSourceSpec Metrics,
    TrainingSettings Training,
    IReadOnlyList<Objective> Objectives,
    GuardianPolicy Policy)
{
    /// <summary>How the guardian's load tests are started, for baseline training; null when nobody launches them here.</summary>
    public LoadTestSpec? LoadTest { get; init; }
}

/// <summary>The feature flag a guardian protects.</summary>
/// <param name="Provider">The flag service (launchdarkly, unleash, flagsmith, configcat, gofeatureflag, growthbook, split, azureappconfig, flagd, http).</param>
/// <param name="Key">The flag key.</param>
/// <param name="Project">The provider's project, where it has one.</param>
/// <param name="Environment">The environment, where the provider has one.</param>
public sealed record FlagBinding(string Provider, string Key, string? Project = null, string? Environment = null)
{
    /// <summary>
    /// Provider-specific settings a rollback needs (e.g. flagd's <c>source</c> path or blob URL, a generic
    /// hook's <c>url</c>). Values are plain strings; secrets never go here, they come from configuration.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>The metrics source kinds.</summary>
public static class MetricsSources
{
    /// <summary>The signals carried by the load-test result itself.</summary>
    public const string LoadTest = "loadtest";

    /// <summary>PromQL over the Prometheus HTTP API.</summary>
    public const string Prometheus = "prometheus";

    /// <summary>KQL over the Log Analytics query REST API.</summary>
    public const string AzureMonitor = "azuremonitor";
}

/// <summary>Where a guardian's signals come from.</summary>
/// <param name="Source">loadtest, prometheus or azuremonitor (<see cref="MetricsSources"/>).</param>
/// <param name="Url">Prometheus base URL.</param>
/// <param name="WorkspaceId">Log Analytics workspace id (azuremonitor).</param>
/// <param name="Table"><c>AppRequests</c> (workspace-based) or <c>requests</c> (classic) for azuremonitor.</param>
/// <param name="RoleName">Cloud role name filter for azuremonitor.</param>
/// <param name="TimeoutSeconds">How long one query may take before its objective becomes <c>error</c>; default 30.</param>
public sealed record MetricsSourceSpec(
    string Source,
    string? Url = null,
    string? WorkspaceId = null,
    string? Table = null,
    string? RoleName = null,
    double? TimeoutSeconds = null)
{
    /// <summary>Per-signal query overrides (PromQL or KQL), keyed by signal name.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; init; } = new Dictionary<string, string>();

    /// <summary>The default source: the load test's own summary.</summary>
    public static MetricsSourceSpec LoadTest { get; } = new(MetricsSources.LoadTest);
}

/// <summary>How the adaptive baseline is trained.</summary>
/// <param name="MinRuns">Eligible runs needed before adaptive objectives judge (default 5).</param>
/// <param name="MaxRuns">The most recent eligible runs used (default 30).</param>
public sealed record TrainingSettings(int MinRuns = 5, int MaxRuns = 30)
{
    /// <summary>The defaults: 5 and 30.</summary>
    public static TrainingSettings Default { get; } = new();
}

/// <summary>What a guardian does with a decision.</summary>
/// <param name="RollbackOn">Decisions that roll the change under test back (default: No-Go only).</param>
/// <param name="Notify">Where notifications go.</param>
public sealed record GuardianPolicy(IReadOnlyList<Decision> RollbackOn, IReadOnlyList<NotifyTarget> Notify)
{
    /// <summary>Roll back on No-Go, notify nobody.</summary>
    public static GuardianPolicy Default { get; } = new([Decision.NoGo], []);
}

/// <summary>The notification target kinds.</summary>
public static class NotifyTargetTypes
{
    /// <summary>A generic JSON webhook.</summary>
    public const string Webhook = "webhook";

    /// <summary>A Slack incoming webhook.</summary>
    public const string Slack = "slack";

    /// <summary>A Microsoft Teams workflow webhook.</summary>
    public const string Teams = "teams";

    /// <summary>A CloudEvents HTTP endpoint (structured mode).</summary>
    public const string CloudEvents = "cloudevents";
}

/// <summary>One place notifications are sent.</summary>
/// <param name="Type">webhook, slack, teams or cloudevents (<see cref="NotifyTargetTypes"/>).</param>
/// <param name="Url">Where to POST.</param>
public sealed record NotifyTarget(string Type, string Url);
