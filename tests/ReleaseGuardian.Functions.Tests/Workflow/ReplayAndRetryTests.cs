using System.Text.Json;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Workflow;

/// <summary>
/// The Functions orchestrator under the engine's own replay and retry: a worker restarted mid-run replays the history
/// instead of repeating completed activities, and the activity retry policy (3 attempts, 5 s then 10 s apart) retries a
/// transient failure and gives up after the third.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReplayAndRetryTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Base = WorkshopPayloads.Base;

    [Fact]
    public async Task A_worker_restarted_mid_run_repeats_no_completed_activity_and_rolls_back_once()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout", WorkshopPayloads.StaticObjectives);
        await story.PostLaunchDarklyAsync(WorkshopPayloads.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c7", Base.AddSeconds(30), turnOn: true));
        var (rollbackHeld, releaseRollback) = story.Host.PauseNext(WorkflowNames.RollbackFlag);

        var instance = await story.PostK6Async("checkout", "validate-1", "validation", Base.AddMinutes(1), 1150, errorRate: 0.12);
        await rollbackHeld.WaitAsync(TimeSpan.FromSeconds(60));

        // Suspended, the instance takes no new step while the rollback finishes on the old worker; the worker then
        // restarts with nothing in flight, and the resumed instance continues on the new worker from its history.
        await story.Host.Client.SuspendInstanceAsync(instance, "worker restart under test");
        releaseRollback();
        await story.Host.WaitForRecordedResultAsync(instance, WorkflowNames.RollbackFlag);
        var episodesBeforeRestart = story.Host.OrchestratorRuns;
        await story.Host.RestartWorkerAsync();
        await story.Host.Client.ResumeInstanceAsync(instance, "worker restarted");
        var state = await story.Host.WaitForEndAsync(instance);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var calls = story.Host.Calls.Where(c => c.InstanceId == instance).Select(c => c.Name).ToList();
        Assert.Equal(
            [WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications],
            calls);
        var (episodes, replaying) = story.Host.OrchestratorRuns;
        Assert.True(episodes > episodesBeforeRestart.Episodes, "the orchestrator ran again after the restart");
        Assert.True(replaying > episodesBeforeRestart.Replaying, "and it replayed its history to get there");
        Assert.Single(story.Rollbacks);
        Assert.Single(story.Hook.Requests);
        using var output = JsonDocument.Parse(state.SerializedOutput!);
        Assert.Equal("rolled-back", output.RootElement.GetProperty("rollback").GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_transient_activity_failure_is_retried_and_the_run_completes()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout", WorkshopPayloads.StaticObjectives);
        story.Host.FailNext(WorkflowNames.QuerySignals, times: 1);

        var instance = await story.PostK6Async("checkout", "healthy-1", "validation", Base, 1150, errorRate: 0);
        var state = await story.Host.WaitForEndAsync(instance);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(
            [WorkflowNames.QuerySignals, WorkflowNames.QuerySignals, WorkflowNames.JudgeRun],
            story.Host.Calls.Where(c => c.InstanceId == instance).Select(c => c.Name));
        using var output = JsonDocument.Parse(state.SerializedOutput!);
        Assert.Equal("go", output.RootElement.GetProperty("decision").GetString());
    }

    [Fact]
    public async Task Three_failures_of_an_activity_end_the_instance_Failed_with_the_activity_error()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout", WorkshopPayloads.StaticObjectives);
        story.Host.FailNext(WorkflowNames.JudgeRun, times: 3);

        var instance = await story.PostK6Async("checkout", "doomed-1", "validation", Base, 1150, errorRate: 0);
        var state = await story.Host.WaitForEndAsync(instance);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal(3, story.Host.Calls.Count(c => c.InstanceId == instance && c.Name == WorkflowNames.JudgeRun));
        var failure = state.FailureDetails!;
        var innermost = failure;
        while (innermost.InnerFailure is not null)
        {
            innermost = innermost.InnerFailure;
        }

        Assert.Contains("JudgeRun", failure.ErrorMessage);
        Assert.Contains("planned transient failure (1 left)", innermost.ErrorMessage);
        Assert.Empty(story.Rollbacks);
    }
}
