using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ReleaseGuardian.Server.Workflow;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Hosting;

/// <summary>
/// Both hosts run the same engine (DTFx on Azure Storage), so host.json's <c>extensions.durableTask</c> must carry the
/// standalone host's defaults (<see cref="WorkflowEngineOptions"/>): the Functions host then wakes, times out and
/// buffers as the standalone server does. Expected values are read from the options class, never copied by hand.
/// </summary>
public sealed class HostJsonTests
{
    // Durable Functions' own option names, which host.json binds to (an unknown or misspelt key is ignored without a
    // word, so the host would silently run on its defaults, e.g. a 30 s polling interval). Source: the extension's
    // Options/DurableTaskOptions.cs and Options/AzureStorageOptions.cs (Azure/azure-functions-durable-extension) and
    // the "host.json settings for Durable Functions" reference on learn.microsoft.com.
    private static readonly string[] DurableTaskKeys =
    [
        "hubName", "storageProvider", "tracing", "notifications", "httpSettings", "maxConcurrentActivityFunctions",
        "maxConcurrentOrchestratorFunctions", "extendedSessionsEnabled", "extendedSessionIdleTimeoutInSeconds",
        "maxOrchestrationActions", "overridableExistingInstanceStates", "entityMessageReorderWindowInMinutes",
        "defaultVersion", "versionMatchStrategy", "versionFailureStrategy", "useGracefulShutdown", "useAppLease",
        "maxEntityOperationBatchSize", "storeInputsInOrchestrationHistory",
    ];

    private static readonly string[] AzureStorageKeys =
    [
        "connectionName", "connectionStringName", "controlQueueBatchSize", "partitionCount", "controlQueueBufferThreshold",
        "controlQueueVisibilityTimeout", "workItemQueueVisibilityTimeout", "trackingStoreConnectionName",
        "trackingStoreConnectionStringName", "trackingStoreNamePrefix", "fetchLargeMessagesAutomatically",
        "maxQueuePollingInterval", "useLegacyPartitionManagement", "useTablePartitionManagement",
        "partitionTableOperationTimeout", "queueClientMessageEncoding", "useInstanceTableEtag",
    ];

    // Standalone settings that have no host.json counterpart: the Functions host decides them itself (whether a worker
    // runs, the hub's name from %GuardianTaskHub%, lease timing, which Durable Functions does not expose) or the
    // orchestrators apply them in code in both hosts (activity retries).
    private static readonly string[] StandaloneOnly =
    [
        nameof(WorkflowEngineOptions.Enabled), nameof(WorkflowEngineOptions.TaskHub), nameof(WorkflowEngineOptions.LeaseInterval),
        nameof(WorkflowEngineOptions.LeaseRenewInterval), nameof(WorkflowEngineOptions.LeaseAcquireInterval),
        nameof(WorkflowEngineOptions.ActivityAttempts), nameof(WorkflowEngineOptions.ActivityRetryInterval),
    ];

    /// <summary>Each standalone setting with a host.json counterpart: the key (under durableTask, or storageProvider/…) and its value there.</summary>
    private static IEnumerable<(string Option, string Key, object Expected, Func<JsonElement, object> Read)> Counterparts(WorkflowEngineOptions defaults) =>
    [
        (nameof(WorkflowEngineOptions.Partitions), "storageProvider/partitionCount", defaults.Partitions, e => e.GetInt32()),
        (nameof(WorkflowEngineOptions.MaxQueuePollingInterval), "storageProvider/maxQueuePollingInterval", defaults.MaxQueuePollingInterval, TimeSpanOf),
        (nameof(WorkflowEngineOptions.ControlQueueVisibilityTimeout), "storageProvider/controlQueueVisibilityTimeout", defaults.ControlQueueVisibilityTimeout, TimeSpanOf),
        (nameof(WorkflowEngineOptions.WorkItemVisibilityTimeout), "storageProvider/workItemQueueVisibilityTimeout", defaults.WorkItemVisibilityTimeout, TimeSpanOf),
        (nameof(WorkflowEngineOptions.TablePartitionManagement), "storageProvider/useTablePartitionManagement", defaults.TablePartitionManagement, e => e.GetBoolean()),
        (nameof(WorkflowEngineOptions.ControlQueueBatchSize), "storageProvider/controlQueueBatchSize", defaults.ControlQueueBatchSize, e => e.GetInt32()),
        (nameof(WorkflowEngineOptions.ControlQueueBufferThreshold), "storageProvider/controlQueueBufferThreshold", defaults.ControlQueueBufferThreshold, e => e.GetInt32()),
        (nameof(WorkflowEngineOptions.ExtendedSessions), "extendedSessionsEnabled", defaults.ExtendedSessions, e => e.GetBoolean()),
        (nameof(WorkflowEngineOptions.ExtendedSessionIdleTimeout), "extendedSessionIdleTimeoutInSeconds", (int)defaults.ExtendedSessionIdleTimeout.TotalSeconds, e => e.GetInt32()),
        (nameof(WorkflowEngineOptions.MaxConcurrentActivities), "maxConcurrentActivityFunctions", defaults.MaxConcurrentActivities, e => e.GetInt32()),
        (nameof(WorkflowEngineOptions.MaxConcurrentOrchestrations), "maxConcurrentOrchestratorFunctions", defaults.MaxConcurrentOrchestrations, e => e.GetInt32()),
    ];

    [Fact]
    public void Host_json_sets_every_durable_task_setting_to_the_standalone_engines_default()
    {
        var durableTask = DurableTaskSection();

        foreach (var (option, key, expected, read) in Counterparts(new WorkflowEngineOptions()))
        {
            var value = Lookup(durableTask, key);
            Assert.True(value is not null, $"host.json has no extensions.durableTask/{key} (Workflow:{option})");
            Assert.True(Equals(expected, read(value.Value)),
                $"host.json extensions.durableTask/{key} is {value}, the standalone default Workflow:{option} is {expected}");
        }
    }

    [Fact]
    public void Every_standalone_engine_setting_either_has_a_host_json_counterpart_or_is_known_to_have_none()
    {
        // A new Workflow:* setting fails here until it is mapped to host.json above or listed as standalone-only.
        var settings = typeof(WorkflowEngineOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);
        var covered = Counterparts(new WorkflowEngineOptions()).Select(c => c.Option).Concat(StandaloneOnly);

        Assert.Empty(settings.Except(covered));
        Assert.Empty(covered.Except(settings));
    }

    [Fact]
    public void Every_durable_task_key_in_host_json_is_one_that_Durable_Functions_reads()
    {
        var durableTask = DurableTaskSection();

        Assert.Empty(durableTask.EnumerateObject().Select(p => p.Name).Except(DurableTaskKeys, StringComparer.Ordinal));
        Assert.Empty(durableTask.GetProperty("storageProvider").EnumerateObject().Select(p => p.Name).Except(AzureStorageKeys, StringComparer.Ordinal));
    }

    [Fact]
    public void The_polling_interval_in_host_json_replaces_the_30_second_default_that_would_delay_a_step_after_an_idle_period()
    {
        var interval = (TimeSpan)TimeSpanOf(Lookup(DurableTaskSection(), "storageProvider/maxQueuePollingInterval")!.Value);

        // Durable Functions' default (AzureStorageOptions.MaxQueuePollingInterval outside Flex Consumption) is 30 s.
        Assert.True(interval < TimeSpan.FromSeconds(30), $"maxQueuePollingInterval {interval}");
    }

    private static JsonElement DurableTaskSection()
    {
        var path = Path.Combine(AzuriteFixture.RepositoryRoot(), "host.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return document.RootElement.GetProperty("extensions").GetProperty("durableTask").Clone();
    }

    private static JsonElement? Lookup(JsonElement section, string key)
    {
        foreach (var part in key.Split('/'))
        {
            if (section.ValueKind != JsonValueKind.Object || !section.TryGetProperty(part, out var next))
            {
                return null;
            }

            section = next;
        }

        return section;
    }

    // host.json carries TimeSpans as "hh:mm:ss[.fff]" strings, which the host binds with TimeSpan's invariant format.
    private static object TimeSpanOf(JsonElement value) => TimeSpan.Parse(value.GetString()!, CultureInfo.InvariantCulture);
}
