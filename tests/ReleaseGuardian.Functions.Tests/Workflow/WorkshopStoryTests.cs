using System.Text.Json;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Workflow;

/// <summary>
/// The workshop story on the Functions app: the real orchestrator and activity functions on the Durable Task SDK's
/// in-process host, the real HTTP functions in process, Azurite behind them and LaunchDarkly on loopback. Five
/// training runs, a flag change, then a No-Go that rolls the flag back once and notifies.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkshopStoryTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Base = WorkshopPayloads.Base;

    [Fact]
    public async Task A_bad_flag_change_is_judged_No_Go_rolled_back_once_through_LaunchDarkly_and_notified()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout");

        await story.TrainAsync("checkout");
        await story.PostLaunchDarklyAsync(WorkshopPayloads.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c6", Base.AddMinutes(6).AddSeconds(30), turnOn: true));
        var instance = await story.PostK6Async("checkout", "validate-1", "validation", Base.AddMinutes(7), 1150, errorRate: 0.12);
        var state = await story.Host.WaitForEndAsync(instance);

        Assert.Equal("checkout:lt-validate-1", instance);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);

        // The activities ran in the workflow's order, each once, and each saw the step the orchestrator announced.
        var calls = story.Host.Calls.Where(c => c.InstanceId == instance).ToList();
        Assert.Equal(
            [WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications],
            calls.Select(c => c.Name));
        Assert.Equal(["querying-signals", "judging", "rolling-back", "notifying"], calls.Select(c => Step(c.CustomStatus)));
        Assert.Equal("done", Step(state.SerializedCustomStatus));

        // The output is the workflow's outcome in the shared JSON contract (camelCase, string values).
        using var output = JsonDocument.Parse(state.SerializedOutput!);
        var outcome = output.RootElement;
        Assert.Equal("checkout", outcome.GetProperty("guardianId").GetString());
        Assert.Equal("lt-validate-1", outcome.GetProperty("runId").GetString());
        Assert.Equal("nogo", outcome.GetProperty("decision").GetString());
        Assert.Equal("fail", outcome.GetProperty("status").GetString());
        Assert.Contains("error rate", outcome.GetProperty("headline").GetString());
        Assert.Equal("rolled-back", outcome.GetProperty("rollback").GetProperty("result").GetString());
        Assert.False(string.IsNullOrEmpty(outcome.GetProperty("notificationId").GetString()));

        // Exactly one rollback call, and it is LaunchDarkly's semantic patch turning the flag off in production.
        Assert.True(story.Rollbacks.Count == 1, $"rollback requests: {string.Join("; ", story.LaunchDarkly.Requests.Select(r => r.Method + " " + r.Path))}; output {state.SerializedOutput}");
        var patch = story.Rollbacks[0];
        Assert.Equal("/api/v2/flags/default/new-checkout", patch.Path);
        Assert.Equal(FunctionsStory.LaunchDarklyToken, patch.Header("Authorization"));
        Assert.Equal("application/json; domain-model=launchdarkly.semanticpatch", patch.Header("Content-Type"));
        using (var body = JsonDocument.Parse(patch.BodyText))
        {
            Assert.Equal("production", body.RootElement.GetProperty("environmentKey").GetString());
            Assert.Equal("turnFlagOff", Assert.Single(body.RootElement.GetProperty("instructions").EnumerateArray()).GetProperty("kind").GetString());
        }

        // The notification followed the rollback, with the run and the evidence.
        var delivered = Assert.Single(story.Hook.Requests);
        using (var sent = JsonDocument.Parse(delivered.BodyText))
        {
            Assert.Equal("rolledback", sent.RootElement.GetProperty("kind").GetString());
            Assert.Equal("lt-validate-1", sent.RootElement.GetProperty("runId").GetString());
        }
    }

    [Fact]
    public async Task Training_runs_are_judged_Go_and_roll_nothing_back()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout");

        await story.TrainAsync("checkout", runs: 2);

        var trainingCalls = story.Host.Calls.Select(c => c.Name).Distinct().ToList();
        Assert.Equal([WorkflowNames.QuerySignals, WorkflowNames.JudgeRun], trainingCalls);
        Assert.Empty(story.LaunchDarkly.Requests);
        Assert.Empty(story.Hook.Requests);
    }

    private static string? Step(string? customStatus)
    {
        if (customStatus is null)
        {
            return null;
        }

        using var status = JsonDocument.Parse(customStatus);
        return status.RootElement.GetProperty("step").GetString();
    }
}
