using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Infrastructure.Workflow;
using ReleaseGuardian.Server.Workflow;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>What the runner's checkpoints cost storage, counted by <see cref="StorageTransactionCounter"/>.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CheckpointTransactionTests(AzuriteFixture azurite)
{
    private static readonly EvaluationRequest Request = new(
        "checkout", "lt-7", RunPurpose.Validation,
        DateTimeOffset.Parse("2026-11-24T10:00:00Z"), DateTimeOffset.Parse("2026-11-24T10:01:00Z"),
        EvaluationTriggers.LoadTest, "k6\nrun-7", new Dictionary<string, double> { ["errors.rate"] = 0.12 });

    private readonly StorageTransactionCounter _counter = new();
    private readonly string _table = AzuriteFixture.UniqueName("wf");

    private TableWorkflowStore Store(LocalWorkItems? local = null) => new(
        StorageServiceCollectionExtensions.CreateTableService(azurite.ConnectionString, _counter).GetTableClient(_table),
        azurite.Queues().GetQueueClient(AzuriteFixture.UniqueName("wf")),
        TimeProvider.System,
        local);

    private static WorkflowRunner Runner(TableWorkflowStore store, IReleaseActivities activities, TimeSpan? progressDelay = null, TimeSpan? lease = null) => new(
        store,
        new ServiceCollection().AddSingleton(activities).BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
        Options.Create(new WorkflowRunnerOptions
        {
            Enabled = false,
            ProgressDelay = progressDelay ?? TimeSpan.FromSeconds(30),
            VisibilityTimeout = lease ?? TimeSpan.FromMinutes(2),
        }),
        NullLogger<WorkflowRunner>.Instance);

    [Fact]
    public async Task A_run_whose_activities_are_all_quick_writes_every_checkpoint_with_the_completion_in_one_transaction()
    {
        var store = Store();
        var start = await store.ScheduleAsync(Request, default);
        var runner = Runner(store, new FailingRunActivities());
        _counter.Reset();

        var executed = await runner.RunInstanceAsync(start.InstanceId, default);

        Assert.Equal(4, executed.Count);
        // One query for the history, then one transaction for all four checkpoints and the completion.
        Assert.Equal(1, _counter.Count(_table, "query"));
        Assert.Equal(0, _counter.Count(_table, "merge"));
        Assert.Equal(1, _counter.Count(_table, "batch"));
        Assert.Equal(2, _counter.Count(_table));
        var history = await store.LoadHistoryAsync(start.InstanceId, default);
        Assert.Equal(4, history!.Checkpoints.Count);
        Assert.Equal(WorkflowRuntimeStatus.Completed, history.Status.RuntimeStatus);
        Assert.Equal("done", history.Status.CustomStatus!.Value.GetProperty("step").GetString());
    }

    [Fact]
    public async Task An_activity_still_working_after_the_progress_delay_has_its_progress_and_the_earlier_checkpoints_written_while_it_works()
    {
        var store = Store();
        var start = await store.ScheduleAsync(Request, default);
        var activities = new FailingRunActivities { RollbackGate = new TaskCompletionSource() };
        var runner = Runner(store, activities, TimeSpan.FromMilliseconds(50));

        var run = runner.RunInstanceAsync(start.InstanceId, default);
        WorkflowHistory? during = null;
        for (var polls = 0; polls < 500 && during is not { Checkpoints.Count: > 0 }; polls++)
        {
            await Task.Delay(20);
            during = await store.LoadHistoryAsync(start.InstanceId, default);
        }

        Assert.NotNull(during);
        Assert.Equal(WorkflowRuntimeStatus.Running, during.Status.RuntimeStatus);
        Assert.Equal("rolling-back", during.Status.CustomStatus!.Value.GetProperty("step").GetString());
        Assert.Equal(2, during.Checkpoints.Count); // QuerySignals and JudgeRun, written while the rollback works

        activities.RollbackGate.SetResult();
        Assert.Equal(4, (await run).Count);
        var after = await store.LoadHistoryAsync(start.InstanceId, default);
        Assert.Equal(4, after!.Checkpoints.Count);
        Assert.Equal(WorkflowRuntimeStatus.Completed, after.Status.RuntimeStatus);
    }

    [Fact]
    public async Task An_instance_handed_over_in_process_runs_without_a_history_read_and_deletes_its_hidden_work_item()
    {
        var local = new LocalWorkItems();
        local.Attach(TimeSpan.FromMinutes(5));
        var store = Store(local);
        var start = await store.ScheduleAsync(Request, default);
        Assert.True(local.Reader.TryRead(out var item));
        // The safety-net work item is there but hidden for the lease: no other runner takes the instance meanwhile.
        Assert.Equal(1, (await store.WorkQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await store.WorkQueue.PeekMessagesAsync()).Value);
        _counter.Reset();

        await Runner(store, new FailingRunActivities()).RunLocalAsync(item!, default);

        Assert.Equal(0, _counter.Count(_table, "query"));
        Assert.Equal(1, _counter.Count(_table));
        Assert.Equal(0, (await store.WorkQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var status = await store.GetStatusAsync(start.InstanceId, default);
        Assert.Equal(WorkflowRuntimeStatus.Completed, status!.RuntimeStatus);
        Assert.Equal("nogo", status.Output!.Value.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task A_run_longer_than_the_lease_keeps_its_work_item_hidden_until_it_finishes_and_deletes_it()
    {
        var lease = TimeSpan.FromSeconds(1);
        var local = new LocalWorkItems();
        local.Attach(lease);
        var store = Store(local);
        await store.ScheduleAsync(Request, default);
        Assert.True(local.Reader.TryRead(out var item));
        var activities = new FailingRunActivities { RollbackGate = new TaskCompletionSource() };

        var run = Runner(store, activities, lease: lease).RunLocalAsync(item!, default);
        var visibleWhileRunning = 0;
        for (var i = 0; i < 12; i++)
        {
            // Three leases and more: without renewal the work item would be visible, and another runner would take it.
            await Task.Delay(300);
            visibleWhileRunning += (await store.WorkQueue.PeekMessagesAsync()).Value.Length;
        }

        activities.RollbackGate.SetResult();
        await run;

        Assert.Equal(0, visibleWhileRunning);
        Assert.Equal(0, (await store.WorkQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(WorkflowRuntimeStatus.Completed, (await store.GetStatusAsync("checkout:lt-7", default))!.RuntimeStatus);
    }

    [Fact]
    public async Task An_input_and_output_larger_than_one_table_property_are_kept_whole()
    {
        // A load-test result decides how many signals travel in the input; a property holds 32K characters.
        var signals = Enumerable.Range(0, 3_000).ToDictionary(i => $"custom.step_{i:D4}.conversion", i => i / 7.0);
        var store = Store();
        var start = await store.ScheduleAsync(Request with { LoadTestSignals = signals }, default);
        var output = System.Text.Json.JsonSerializer.Serialize(new string('o', 40_000));

        await store.CompleteAsync(start.InstanceId, WorkflowRuntimeStatus.Failed, output, default);

        var status = (await store.GetStatusAsync(start.InstanceId, default))!;
        var input = status.Input!.Value.Deserialize(WorkflowJsonContext.Default.EvaluationRequest)!;
        Assert.Equal(signals, input.LoadTestSignals);
        Assert.Equal(40_000, status.Output!.Value.GetString()!.Length);
    }

    [Fact]
    public async Task Without_a_runner_in_process_or_beyond_its_capacity_a_scheduled_instance_gets_a_visible_work_item()
    {
        var local = new LocalWorkItems { Capacity = 1 };
        local.Attach(TimeSpan.FromMinutes(5));
        var store = Store(local);

        await store.ScheduleAsync(Request, default);
        await store.ScheduleAsync(Request with { RunId = "lt-8" }, default);

        Assert.True(local.Reader.TryRead(out var first));
        Assert.Equal("checkout:lt-7", first!.History.Status.InstanceId);
        Assert.False(local.Reader.TryRead(out _));
        var visible = (await store.WorkQueue.PeekMessagesAsync()).Value;
        Assert.Equal(["checkout:lt-8"], visible.Select(m => m.MessageText));
    }

    [Fact]
    public async Task A_checkpoint_another_delivery_wrote_first_stands_and_the_progress_is_still_recorded()
    {
        var store = Store();
        var start = await store.ScheduleAsync(Request, default);
        await store.CheckpointAsync(start.InstanceId, 1, WorkflowNames.QuerySignals, """{"first":true}""", default);

        await store.CommitAsync(
            start.InstanceId,
            [new PendingCheckpoint(1, WorkflowNames.QuerySignals, """{"first":false}""")],
            new WorkflowProgress("judging", "judging 1 measured signal(s)"),
            completion: null,
            default);

        var history = await store.LoadHistoryAsync(start.InstanceId, default);
        Assert.Equal(["""{"first":true}"""], history!.Checkpoints);
        Assert.Equal(WorkflowRuntimeStatus.Running, history.Status.RuntimeStatus);
        Assert.Equal("judging", history.Status.CustomStatus!.Value.GetProperty("step").GetString());
    }

    /// <summary>A failing run's answers: judged No-Go, rolled back, notified.</summary>
    private sealed class FailingRunActivities : IReleaseActivities
    {
        /// <summary>When set, the rollback works until it is completed.</summary>
        public TaskCompletionSource? RollbackGate { get; init; }

        public Task<SignalsResult> QuerySignalsAsync(EvaluationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new SignalsResult(request.LoadTestSignals!, new Dictionary<string, string>(), new Dictionary<string, string>()));

        public Task<JudgeRunResult> JudgeRunAsync(JudgeRunInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new JudgeRunResult(input.Request.RunId, "fail", "nogo", 50, "error rate 0.12 > failure 0.015",
                Training: false, "launchdarkly\nchange-1", RollbackRequired: true, "nogo"));

        public async Task<RollbackFlagResult> RollbackFlagAsync(RollbackFlagInput input, CancellationToken cancellationToken)
        {
            if (RollbackGate is not null)
            {
                await RollbackGate.Task.WaitAsync(cancellationToken);
            }

            return new RollbackFlagResult(RollbackResults.RolledBack, "new-checkout turned off", null, 1);
        }

        public Task<NotificationResult> RecordAndSendNotificationsAsync(NotificationInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new NotificationResult("n-1", input.Rollback?.Result ?? "nogo", 1, 0));
    }
}
