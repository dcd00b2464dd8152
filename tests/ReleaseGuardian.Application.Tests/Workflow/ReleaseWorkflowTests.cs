using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Tests.Workflow;

public sealed class ReleaseWorkflowTests
{
    private static readonly EvaluationRequest Request = new(
        "checkout", "lt-6", RunPurpose.Validation,
        DateTimeOffset.Parse("2026-11-24T10:00:00Z"), DateTimeOffset.Parse("2026-11-24T10:01:00Z"), EvaluationTriggers.LoadTest);

    private static JudgeRunResult Judged(string decision, bool rollback, string? change, string? notify) =>
        new("lt-6", decision == "go" ? "pass" : "fail", decision, 50, $"{decision} headline", false, change, rollback, notify);

    [Fact]
    public async Task A_Go_measures_and_judges_and_neither_rolls_back_nor_notifies()
    {
        var context = new RecordingContext(Judged("go", rollback: false, change: "c1", notify: null));

        var outcome = await ReleaseWorkflow.RunAsync(context, Request);

        Assert.Equal([WorkflowNames.QuerySignals, WorkflowNames.JudgeRun], context.Calls);
        Assert.Equal("go", outcome.Decision);
        Assert.Null(outcome.Rollback);
        Assert.Null(outcome.NotificationId);
    }

    [Fact]
    public async Task A_No_Go_with_a_change_under_test_rolls_it_back_and_then_notifies_with_the_rollback()
    {
        var context = new RecordingContext(Judged("nogo", rollback: true, change: "c1", notify: "nogo"));

        var outcome = await ReleaseWorkflow.RunAsync(context, Request);

        Assert.Equal([WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications], context.Calls);
        var rollbackInput = Assert.IsType<RollbackFlagInput>(context.Inputs[2]);
        Assert.Equal("c1", rollbackInput.ChangeUnderTestId);
        Assert.Equal("nogo headline", rollbackInput.Reason);
        var notification = Assert.IsType<NotificationInput>(context.Inputs[3]);
        Assert.Equal(RollbackResults.RolledBack, notification.Rollback!.Result);
        Assert.Equal("n-1", outcome.NotificationId);
    }

    [Fact]
    public async Task A_No_Go_without_a_change_under_test_notifies_without_a_rollback()
    {
        var context = new RecordingContext(Judged("nogo", rollback: true, change: null, notify: "nogo"));

        var outcome = await ReleaseWorkflow.RunAsync(context, Request);

        Assert.DoesNotContain(WorkflowNames.RollbackFlag, context.Calls);
        Assert.Contains(WorkflowNames.RecordAndSendNotifications, context.Calls);
        Assert.Null(outcome.Rollback);
    }

    [Fact]
    public async Task A_release_stages_No_Go_neither_rolls_back_the_change_under_test_nor_notifies_the_release_does_both()
    {
        // Even if a judgement asked for it: the release restores the exact pre-release state and notifies the stage itself.
        var context = new RecordingContext(Judged("nogo", rollback: true, change: "c1", notify: "nogo"));

        var outcome = await ReleaseWorkflow.RunAsync(context, Request with { ReleaseId = "release-20261124T100000-abcd" });

        Assert.Equal([WorkflowNames.QuerySignals, WorkflowNames.JudgeRun], context.Calls);
        Assert.Equal("nogo", outcome.Decision);
        Assert.Null(outcome.Rollback);
        Assert.Null(outcome.NotificationId);
    }

    [Fact]
    public async Task The_custom_status_walks_through_every_step_it_takes_and_ends_done()
    {
        var context = new RecordingContext(Judged("nogo", rollback: true, change: "c1", notify: "nogo"));

        await ReleaseWorkflow.RunAsync(context, Request);

        Assert.Equal(["querying-signals", "judging", "rolling-back", "notifying", "done"], context.Steps);
    }

    [Fact]
    public void The_instance_id_is_the_guardian_and_the_run_so_a_duplicate_event_maps_to_the_same_instance()
    {
        Assert.Equal("checkout:lt-6", WorkflowNames.InstanceId(Request.GuardianId, Request.RunId));
        Assert.Equal("checkout:lt-k6-run-6", WorkflowNames.InstanceId("checkout", Application.Ingestion.RunIds.ForLoadTest("k6-run-6")));
    }

    /// <summary>A workflow context that answers each activity with a fixed result and records what was asked.</summary>
    private sealed class RecordingContext(JudgeRunResult judgement) : IWorkflowContext
    {
        public List<string> Calls { get; } = [];

        public List<object> Inputs { get; } = [];

        public List<string> Steps { get; } = [];

        public string InstanceId => "checkout:lt-6";

        public DateTime CurrentUtcDateTime => new(2026, 11, 24, 10, 2, 0, DateTimeKind.Utc);

        public bool IsReplaying => false;

        public Task<TResult> CallActivityAsync<TResult>(string name, object input)
        {
            Calls.Add(name);
            Inputs.Add(input);
            object result = name switch
            {
                WorkflowNames.QuerySignals => new SignalsResult(new Dictionary<string, double>(), new Dictionary<string, string>(), new Dictionary<string, string>()),
                WorkflowNames.JudgeRun => judgement,
                WorkflowNames.RollbackFlag => new RollbackFlagResult(RollbackResults.RolledBack, "turned off", null, 1),
                WorkflowNames.RecordAndSendNotifications => new NotificationResult("n-1", "rollback", 1, 0),
                _ => throw new ArgumentException(name),
            };
            return Task.FromResult((TResult)result);
        }

        public void SetCustomStatus(WorkflowProgress progress) => Steps.Add(progress.Step);

        // The release workflow waits for nothing and starts no child; these fail the test if it ever does.
        public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the release workflow sets no timer");

        public Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class =>

            WaitForEventAsync<TEvent>(name, TimeSpan.MaxValue);


        public Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class =>
            throw new InvalidOperationException("the release workflow waits for no event");

        public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input) =>
            throw new InvalidOperationException("the release workflow starts no sub-orchestration");
    }
}
