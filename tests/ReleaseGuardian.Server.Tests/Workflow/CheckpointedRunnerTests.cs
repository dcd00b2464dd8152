using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Workflow;
using ReleaseGuardian.Server.Workflow;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

[Collection(AzuriteCollection.Name)]
public sealed class CheckpointedRunnerTests(AzuriteFixture azurite)
{
    private static readonly EvaluationRequest Request = new(
        "checkout", "lt-6", RunPurpose.Validation,
        DateTimeOffset.Parse("2026-11-24T10:00:00Z"), DateTimeOffset.Parse("2026-11-24T10:01:00Z"),
        EvaluationTriggers.LoadTest, "k6\nrun-6", new Dictionary<string, double> { ["errors.rate"] = 0.12 });

    [Fact]
    public async Task A_No_Go_runs_every_activity_once_and_completes_with_the_rollback_in_its_output()
    {
        var (store, activities, runner) = Build();
        var start = await store.ScheduleAsync(Request, default);

        var executed = await runner.RunInstanceAsync(start.InstanceId, default);

        Assert.Equal(
            [WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications],
            executed);
        var status = await store.GetStatusAsync(start.InstanceId, default);
        Assert.Equal(WorkflowRuntimeStatus.Completed, status!.RuntimeStatus);
        var output = status.Output!.Value.Deserialize(WorkflowJsonContext.Default.EvaluationOutcome)!;
        Assert.Equal("nogo", output.Decision);
        Assert.Equal(RollbackResults.RolledBack, output.Rollback!.Result);
        Assert.Equal("done", status.CustomStatus!.Value.GetProperty("step").GetString());
        Assert.Equal(1, activities.EffectiveRollbacks);
    }

    [Fact]
    public async Task A_runner_that_dies_after_the_JudgeRun_checkpoint_resumes_on_restart_with_exactly_one_rollback()
    {
        var (store, activities, runner) = Build();
        var start = await store.ScheduleAsync(Request, default);
        activities.CrashBeforeNextRollback = true;

        await Assert.ThrowsAsync<OperationCanceledException>(() => runner.RunInstanceAsync(start.InstanceId, default));
        var afterCrash = await store.GetStatusAsync(start.InstanceId, default);
        Assert.Equal(WorkflowRuntimeStatus.Running, afterCrash!.RuntimeStatus);
        Assert.Equal("rolling-back", afterCrash.CustomStatus!.Value.GetProperty("step").GetString());

        // A fresh runner over the same storage, as after a process restart.
        var (_, _, restarted) = Build(store, activities);
        var executedOnRestart = await restarted.RunInstanceAsync(start.InstanceId, default);

        Assert.Equal([WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications], executedOnRestart);
        Assert.Equal(1, activities.Calls[WorkflowNames.QuerySignals]);
        Assert.Equal(1, activities.Calls[WorkflowNames.JudgeRun]);
        Assert.Equal(1, activities.EffectiveRollbacks);
        Assert.Equal(WorkflowRuntimeStatus.Completed, (await store.GetStatusAsync(start.InstanceId, default))!.RuntimeStatus);
    }

    [Fact]
    public async Task Scheduling_the_same_guardian_and_run_twice_creates_one_instance_and_one_work_item()
    {
        var (store, _, _) = Build();

        var first = await store.ScheduleAsync(Request, default);
        var second = await store.ScheduleAsync(Request with { SourceEventId = "another delivery" }, default);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal("checkout:lt-6", second.InstanceId);
        var properties = await store.WorkQueue.GetPropertiesAsync();
        Assert.Equal(1, properties.Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_finished_instance_is_not_run_again_when_its_work_item_is_redelivered()
    {
        var (store, activities, runner) = Build();
        var start = await store.ScheduleAsync(Request, default);
        await runner.RunInstanceAsync(start.InstanceId, default);

        var executedAgain = await runner.RunInstanceAsync(start.InstanceId, default);

        Assert.Empty(executedAgain);
        Assert.Equal(1, activities.EffectiveRollbacks);
    }

    private (TableWorkflowStore Store, ScriptedActivities Activities, WorkflowRunner Runner) Build(
        TableWorkflowStore? store = null, ScriptedActivities? activities = null)
    {
        store ??= new TableWorkflowStore(
            azurite.Tables().GetTableClient(AzuriteFixture.UniqueName("wf")),
            azurite.Queues().GetQueueClient(AzuriteFixture.UniqueName("wf")),
            TimeProvider.System);
        activities ??= new ScriptedActivities();
        var services = new ServiceCollection().AddSingleton<IReleaseActivities>(activities).BuildServiceProvider();
        var runner = new WorkflowRunner(
            store,
            services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new WorkflowRunnerOptions { Enabled = false }),
            NullLogger<WorkflowRunner>.Instance);
        return (store, activities, runner);
    }

    /// <summary>Activities with fixed answers for a failing run; counts calls and effective rollbacks.</summary>
    private sealed class ScriptedActivities : IReleaseActivities
    {
        public Dictionary<string, int> Calls { get; } = new()
        {
            [WorkflowNames.QuerySignals] = 0, [WorkflowNames.JudgeRun] = 0,
            [WorkflowNames.RollbackFlag] = 0, [WorkflowNames.RecordAndSendNotifications] = 0,
        };

        public int EffectiveRollbacks { get; private set; }

        public bool CrashBeforeNextRollback { get; set; }

        public Task<SignalsResult> QuerySignalsAsync(EvaluationRequest request, CancellationToken cancellationToken)
        {
            Calls[WorkflowNames.QuerySignals]++;
            return Task.FromResult(new SignalsResult(request.LoadTestSignals!, new Dictionary<string, string>(), new Dictionary<string, string>()));
        }

        public Task<JudgeRunResult> JudgeRunAsync(JudgeRunInput input, CancellationToken cancellationToken)
        {
            Calls[WorkflowNames.JudgeRun]++;
            var failing = input.Signals.Values["errors.rate"] > 0.015;
            return Task.FromResult(new JudgeRunResult(
                input.Request.RunId, failing ? "fail" : "pass", failing ? "nogo" : "go", failing ? 50 : 100,
                "error rate 0.12 > failure 0.015", Training: false, "launchdarkly\nchange-1", RollbackRequired: failing, failing ? "nogo" : null));
        }

        public Task<RollbackFlagResult> RollbackFlagAsync(RollbackFlagInput input, CancellationToken cancellationToken)
        {
            Calls[WorkflowNames.RollbackFlag]++;
            if (CrashBeforeNextRollback)
            {
                CrashBeforeNextRollback = false;
                throw new OperationCanceledException("the process died");
            }

            EffectiveRollbacks++;
            return Task.FromResult(new RollbackFlagResult(RollbackResults.RolledBack, "new-checkout turned off", null, 1));
        }

        public Task<NotificationResult> RecordAndSendNotificationsAsync(NotificationInput input, CancellationToken cancellationToken)
        {
            Calls[WorkflowNames.RecordAndSendNotifications]++;
            return Task.FromResult(new NotificationResult("n-1", input.Rollback?.Result ?? "nogo", 1, 0));
        }
    }
}
