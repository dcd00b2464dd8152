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

    private TableWorkflowStore Store() => new(
        StorageServiceCollectionExtensions.CreateTableService(azurite.ConnectionString, _counter).GetTableClient(_table),
        azurite.Queues().GetQueueClient(AzuriteFixture.UniqueName("wf")),
        TimeProvider.System);

    [Fact]
    public async Task Each_checkpoint_is_written_with_the_next_progress_or_the_completion_in_one_transaction()
    {
        var store = Store();
        var start = await store.ScheduleAsync(Request, default);
        var runner = new WorkflowRunner(
            store,
            new ServiceCollection().AddSingleton<IReleaseActivities>(new FailingRunActivities()).BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new WorkflowRunnerOptions { Enabled = false }),
            NullLogger<WorkflowRunner>.Instance);
        _counter.Reset();

        var executed = await runner.RunInstanceAsync(start.InstanceId, default);

        Assert.Equal(4, executed.Count);
        // One query for the history, one merge for the first progress, then one transaction per activity.
        Assert.Equal(1, _counter.Count(_table, "query"));
        Assert.Equal(1, _counter.Count(_table, "merge"));
        Assert.Equal(4, _counter.Count(_table, "batch"));
        Assert.Equal(6, _counter.Count(_table));
        var history = await store.LoadHistoryAsync(start.InstanceId, default);
        Assert.Equal(4, history!.Checkpoints.Count);
        Assert.Equal(WorkflowRuntimeStatus.Completed, history.Status.RuntimeStatus);
        Assert.Equal("done", history.Status.CustomStatus!.Value.GetProperty("step").GetString());
    }

    [Fact]
    public async Task A_checkpoint_another_delivery_wrote_first_stands_and_the_progress_is_still_recorded()
    {
        var store = Store();
        var start = await store.ScheduleAsync(Request, default);
        await store.CheckpointAsync(start.InstanceId, 1, WorkflowNames.QuerySignals, """{"first":true}""", default);

        await store.CommitAsync(
            start.InstanceId,
            new PendingCheckpoint(1, WorkflowNames.QuerySignals, """{"first":false}"""),
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
        public Task<SignalsResult> QuerySignalsAsync(EvaluationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new SignalsResult(request.LoadTestSignals!, new Dictionary<string, string>(), new Dictionary<string, string>()));

        public Task<JudgeRunResult> JudgeRunAsync(JudgeRunInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new JudgeRunResult(input.Request.RunId, "fail", "nogo", 50, "error rate 0.12 > failure 0.015",
                Training: false, "launchdarkly\nchange-1", RollbackRequired: true, "nogo"));

        public Task<RollbackFlagResult> RollbackFlagAsync(RollbackFlagInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new RollbackFlagResult(RollbackResults.RolledBack, "new-checkout turned off", null, 1));

        public Task<NotificationResult> RecordAndSendNotificationsAsync(NotificationInput input, CancellationToken cancellationToken) =>
            Task.FromResult(new NotificationResult("n-1", input.Rollback?.Result ?? "nogo", 1, 0));
    }
}
