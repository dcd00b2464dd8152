using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Tests.Training;

/// <summary>The training orchestrator's decisions, against a scripted context (the engines are tested in the hosts).</summary>
public sealed class BaselineTrainingTests
{
    private const string Instance = "checkout:training-20261206T010000-ab12";

    [Fact]
    public async Task A_refused_a_timed_out_and_a_failed_run_are_reported_launched_again_and_never_counted()
    {
        // Run 1: refused, then fine. Run 2: no result in time, then judged fail, then fine.
        var context = new ScriptedContext(
            refuse: ["-r1a1"], timeOut: ["-r2a1"], judgeFail: ["-r2a2"]);

        var outcome = await BaselineTraining.RunAsync(context, new TrainingRequest("checkout", Runs: 2, TimeoutMinutes: 30));

        Assert.Equal("trained", outcome.Status);
        Assert.Equal(2, outcome.RunsCounted);
        Assert.Equal(
            [("r1a1", TrainingRunResults.LaunchFailed), ("r1a2", TrainingRunResults.Counted), ("r2a1", TrainingRunResults.TimedOut),
             ("r2a2", TrainingRunResults.Failed), ("r2a3", TrainingRunResults.Counted)],
            outcome.Runs.Select(r => (r.TestId[^4..], r.Result)));
        // Each result was evaluated once, as the release workflow under the run's own instance id.
        Assert.Equal(
            ["checkout:lt-training-20261206T010000-ab12-r1a2", "checkout:lt-training-20261206T010000-ab12-r2a2", "checkout:lt-training-20261206T010000-ab12-r2a3"],
            context.SubOrchestrations);
        Assert.Equal(TimeSpan.FromMinutes(30), context.Timeouts.Distinct().Single());
        Assert.Equal("training 2/2", context.Statuses[^1].Detail);
        Assert.Equal("traffic", Assert.Single(outcome.Objectives).Name);
    }

    [Fact]
    public async Task A_run_that_fails_every_attempt_ends_the_training_failed_without_learning()
    {
        var context = new ScriptedContext(refuse: ["-r1a1", "-r1a2", "-r1a3"], timeOut: [], judgeFail: []);

        var outcome = await BaselineTraining.RunAsync(context, new TrainingRequest("checkout", Runs: 3, TimeoutMinutes: 5));

        Assert.Equal("failed", outcome.Status);
        Assert.Equal(0, outcome.RunsCounted);
        Assert.Equal(3, outcome.Runs.Count);
        Assert.Empty(outcome.Objectives);
        Assert.DoesNotContain(WorkflowNames.LearnThresholds, context.Activities);
    }

    [Fact]
    public void Test_ids_lead_back_to_their_training_instance_and_nothing_else_does()
    {
        var testId = TrainingRuns.TestId(Instance, 2, 1);

        Assert.Equal("training-20261206T010000-ab12-r2a1", testId);
        Assert.Equal(Instance, TrainingRuns.InstanceOf("checkout", testId));
        Assert.Null(TrainingRuns.InstanceOf("checkout", "nightly-run-7"));
        Assert.Null(TrainingRuns.InstanceOf("checkout", "training-2026-r1a1"));
        Assert.True(TrainingRuns.IsInstanceOf("checkout", Instance));
        Assert.False(TrainingRuns.IsInstanceOf("payments", Instance));
        Assert.False(TrainingRuns.IsInstanceOf("checkout", "checkout:lt-7"));
    }

    private sealed class ScriptedContext(string[] refuse, string[] timeOut, string[] judgeFail) : IWorkflowContext
    {
        public List<string> Activities { get; } = [];

        public List<string> SubOrchestrations { get; } = [];

        public List<TimeSpan> Timeouts { get; } = [];

        public List<WorkflowProgress> Statuses { get; } = [];

        public string InstanceId => Instance;

        public DateTime CurrentUtcDateTime => new(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc);

        public bool IsReplaying => false;

        public Task<TResult> CallActivityAsync<TResult>(string name, object input)
        {
            Activities.Add(name);
            object result = input switch
            {
                LaunchLoadTestInput launch => new LaunchLoadTestResult(!refuse.Any(launch.TestId.EndsWith), "scripted"),
                LearnThresholdsInput => new LearnedThresholds([new LearnedObjective("traffic", "traffic.requests", true, 1170, 5, 1160, 1150, ["a", "b"])]),
                _ => throw new ArgumentException(name),
            };
            return Task.FromResult((TResult)result);
        }

        public void SetCustomStatus(WorkflowProgress progress) => Statuses.Add(progress);

        // The result's deadline: a timer at the replay-safe clock plus the run's timeout; it fires at once here, so a
        // result that is scripted to arrive must already be in (WhenAny prefers the first completed task).
        public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default)
        {
            Timeouts.Add(fireAt - CurrentUtcDateTime);
            return Task.CompletedTask;
        }

        public Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class
        {
            var testId = name["load-test-finished:".Length..];
            if (timeOut.Any(testId.EndsWith))
            {
                return new TaskCompletionSource<TEvent?>().Task;
            }

            var request = new EvaluationRequest("checkout", "lt-" + testId, RunPurpose.Training,
                DateTimeOffset.Parse("2026-12-06T00:00:00Z"), DateTimeOffset.Parse("2026-12-06T00:01:00Z"), EvaluationTriggers.LoadTest);
            return Task.FromResult((TEvent?)(object)new LoadTestFinishedNotice(testId, request));
        }

        public Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class
        {
            Timeouts.Add(timeout);
            var testId = name["load-test-finished:".Length..];
            if (timeOut.Any(testId.EndsWith))
            {
                return Task.FromResult<TEvent?>(null);
            }

            var request = new EvaluationRequest("checkout", "lt-" + testId, RunPurpose.Training,
                DateTimeOffset.Parse("2026-12-06T00:00:00Z"), DateTimeOffset.Parse("2026-12-06T00:01:00Z"), EvaluationTriggers.LoadTest);
            return Task.FromResult((TEvent?)(object)new LoadTestFinishedNotice(testId, request));
        }

        public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input)
        {
            Assert.Equal(WorkflowNames.ReleaseWorkflow, name);
            SubOrchestrations.Add(instanceId);
            var request = (EvaluationRequest)input;
            var failed = judgeFail.Any(request.RunId.EndsWith);
            return Task.FromResult((TResult)(object)new EvaluationOutcome(
                "checkout", request.RunId, failed ? "fail" : "info", failed ? "nogo" : "inconclusive", null, "scripted", null, null));
        }
    }
}
