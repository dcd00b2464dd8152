using System.Security.Cryptography;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Scenario;

/// <summary>
/// One demo run's parameters and secrets: fresh random secrets and a storage prefix of its own, so several
/// demos (and tests) can share one Azurite without seeing each other's data.
/// </summary>
public sealed record DemoSettings
{
    /// <summary>The guarded service's guardian id.</summary>
    public string GuardianId { get; init; } = "checkout";

    /// <summary>The flag under test.</summary>
    public string FlagKey { get; init; } = "new-checkout";

    /// <summary>Training runs before the change (the guardian's <c>training.minRuns</c>).</summary>
    public int TrainingRuns { get; init; } = 5;

    /// <summary>Each load test's profile (default 40 requests/s for 4 s).</summary>
    public LoadProfile Load { get; init; } = new(40, TimeSpan.FromSeconds(4));

    /// <summary>The flagd flag file the checkout service watches and the rollback edits.</summary>
    public required string FlagFile { get; init; }

    /// <summary>
    /// A real Prometheus that scrapes the checkout service (<c>demo --metrics prometheus</c>): the guardian measures
    /// through it (<c>metrics.source: prometheus</c>) instead of taking the load tests' own numbers. Null: load tests.
    /// </summary>
    public string? PrometheusUrl { get; init; }

    /// <summary>The management API key.</summary>
    public string ApiKey { get; init; } = NewSecret();

    /// <summary>The k6 webhook's signing secret (<c>Webhooks:k6:Secret</c>).</summary>
    public string K6Secret { get; init; } = NewSecret();

    /// <summary>The CloudEvents signing secret (<c>Webhooks:events:Secret</c>).</summary>
    public string EventsSecret { get; init; } = NewSecret();

    /// <summary>The tables' and queues' prefix (<c>Storage:Prefix</c>): letters and digits, unique per run.</summary>
    public string StoragePrefix { get; init; } = "demo" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>The configuration a Release Guardian host needs for this demo (both hosts take the same keys).</summary>
    public IReadOnlyDictionary<string, string?> ServerSettings(string storageConnectionString) => new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = storageConnectionString,
        ["Storage:Prefix"] = StoragePrefix,
        ["Guardian:ApiKey"] = ApiKey,
        // The demo's checkout service, Prometheus stand-in and notification targets all run on loopback.
        ["Outbound:AllowPrivateNetworks"] = "true",
        ["Webhooks:k6:Secret"] = K6Secret,
        ["Webhooks:events:Secret"] = EventsSecret,
        ["Providers:flagd:Source"] = FlagFile,
        // The rollback edits flag files only under FlagFiles:Root: the demo's own folder.
        ["FlagFiles:Root"] = Path.GetDirectoryName(Path.GetFullPath(FlagFile)),
        // The demo reacts at once: the engine polls an idle queue at most every 100 ms (more idle requests than the default).
        ["Workflow:MaxQueuePollingInterval"] = "00:00:00.100",
        ["Queue:PollInterval"] = "00:00:00.050",
        ["Rollback:RetryBaseDelayMs"] = "50",
        ["Notifications:RetryBaseDelayMs"] = "50",
    };

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
