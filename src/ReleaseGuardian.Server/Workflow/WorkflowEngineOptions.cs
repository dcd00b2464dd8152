namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// Settings of the standalone host's Durable Task engine (configuration section <c>Workflow</c>). The defaults suit
/// one container; docs/engine.md gives the measured latency and storage cost behind them.
/// </summary>
public sealed class WorkflowEngineOptions
{
    /// <summary>False runs no worker in this process: instances are still created and read (tests, API-only nodes).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The task hub; by default <c>ReleaseGuardian</c> after the storage prefix. Letters and digits, 3–45.</summary>
    public string? TaskHub { get; set; }

    /// <summary>Control-queue partitions: how many workers can run orchestrations at once. Fixed once the hub exists.</summary>
    public int Partitions { get; set; } = 1;

    /// <summary>
    /// The longest pause between polls of an empty queue; every poll is a billed storage transaction. A message this
    /// process sends wakes its own poller at once, so the pause delays only messages from another process.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Keeps a running orchestration in memory between steps, so it does not reload its history each time.</summary>
    public bool ExtendedSessions { get; set; } = true;

    /// <summary>How long an idle orchestration stays in memory with extended sessions.</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an orchestration message stays hidden while a worker handles it; a dead worker's reappears after it.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an activity message stays hidden while it runs; a dead worker's activity runs again after it.</summary>
    public TimeSpan WorkItemVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a partition lease lasts unrenewed: how soon another worker takes over a dead one's partitions.</summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often held partition leases are renewed.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker looks for partitions to take.</summary>
    public TimeSpan LeaseAcquireInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Partition leases in a table (DTFx's newer manager) instead of blobs; it takes partitions at once on start.</summary>
    public bool TablePartitionManagement { get; set; } = true;

    /// <summary>Control-queue messages fetched in one request (Azure Storage allows at most 32).</summary>
    public int ControlQueueBatchSize { get; set; } = 32;

    /// <summary>Control-queue messages held in memory at once; past it the worker stops fetching until some are done.</summary>
    public int ControlQueueBufferThreshold { get; set; } = 64;

    /// <summary>Activities run at once in one process.</summary>
    public int MaxConcurrentActivities { get; set; } = 10;

    /// <summary>Orchestrations run at once in one process.</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>Tries of an activity that throws (a transient metrics, flag service or storage failure).</summary>
    public int ActivityAttempts { get; set; } = 3;

    /// <summary>Pause before the first retry of an activity; it doubles for each further one.</summary>
    public TimeSpan ActivityRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}
