using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Tests.Training;

/// <summary>
/// The shared launch-and-evaluate step with a launcher that polls (Azure Load Testing), against a scripted context
/// whose clock moves only when a durable timer fires: decisions, timers and deadlines, not wall-clock time.
/// </summary>
public sealed class LoadTestRunsPollingTests
{
    private const string TestId = "training-20261206T010000-ab12-r1a1";
    private static readonly DateTime Start = new(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task A_polled_run_is_polled_on_durable_timers_until_done_then_recorded_and_evaluated_once()
    {
        var context = new PollingContext(["ACCEPTED", "EXECUTING", "DONE"], intervalSeconds: 15);

        var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(context, "checkout", TestId, "training", TimeSpan.FromMinutes(30), _ => { });

        Assert.Equal(TrainingRunResults.Counted, outcome.Result);
        // One timer before each poll, each the launcher's interval after the last; no event is awaited.
        Assert.Equal([Start.AddSeconds(15), Start.AddSeconds(30), Start.AddSeconds(45)], context.Timers);
        Assert.Equal(
            [WorkflowNames.LaunchLoadTest, WorkflowNames.PollLoadTest, WorkflowNames.PollLoadTest, WorkflowNames.PollLoadTest, WorkflowNames.RecordPolledLoadTest],
            context.Activities);
        Assert.Empty(context.Waits);
        Assert.Equal(["checkout:lt-" + TestId], context.SubOrchestrations);
    }

    [Theory]
    [InlineData("FAILED")]
    [InlineData("CANCELLED")]
    public async Task A_run_that_ends_failed_or_cancelled_is_reported_failed_and_never_read_nor_evaluated(string status)
    {
        var context = new PollingContext(["EXECUTING", status], intervalSeconds: 15);

        var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(context, "checkout", TestId, "training", TimeSpan.FromMinutes(30), _ => { });

        Assert.Equal(TrainingRunResults.Failed, outcome.Result);
        Assert.Contains(status, outcome.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(WorkflowNames.RecordPolledLoadTest, context.Activities);
        Assert.Empty(context.SubOrchestrations);
    }

    [Fact]
    public async Task A_run_that_never_ends_times_out_at_the_deadline_without_a_timer_past_it()
    {
        var context = new PollingContext(["EXECUTING"], intervalSeconds: 60);

        var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(context, "checkout", TestId, "training", TimeSpan.FromMinutes(5), _ => { });

        Assert.Equal(TrainingRunResults.TimedOut, outcome.Result);
        Assert.Contains("EXECUTING", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(5, context.Timers.Count);
        Assert.All(context.Timers, t => Assert.True(t <= Start.AddMinutes(5)));
        Assert.Empty(context.SubOrchestrations);
    }

    [Fact]
    public async Task A_done_run_whose_result_cannot_be_read_is_reported_failed_and_not_evaluated()
    {
        var context = new PollingContext(["DONE"], intervalSeconds: 15) { Readable = false };

        var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(context, "checkout", TestId, "training", TimeSpan.FromMinutes(30), _ => { });

        Assert.Equal(TrainingRunResults.Failed, outcome.Result);
        Assert.Equal("no requests", outcome.Detail);
        Assert.Empty(context.SubOrchestrations);
    }

    [Fact]
    public async Task A_launcher_without_a_poll_handle_still_waits_for_the_result_event()
    {
        var context = new PollingContext(["DONE"], intervalSeconds: 15) { Polls = false };

        var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(context, "checkout", TestId, "training", TimeSpan.FromMinutes(30), _ => { });

        Assert.Equal(TrainingRunResults.Counted, outcome.Result);
        Assert.Equal(["load-test-finished:" + TestId], context.Waits);
        Assert.Equal([Start.AddMinutes(30)], context.Timers); // the result's deadline only: no poll timers
        Assert.Equal([WorkflowNames.LaunchLoadTest], context.Activities);
    }

    private sealed class PollingContext(string[] statuses, int intervalSeconds) : IWorkflowContext
    {
        private int _polls;

        public bool Polls { get; init; } = true;

        public bool Readable { get; init; } = true;

        public List<string> Activities { get; } = [];

        public List<DateTime> Timers { get; } = [];

        public List<string> Waits { get; } = [];

        public List<string> SubOrchestrations { get; } = [];

        public string InstanceId => "checkout:training-20261206T010000-ab12";

        public DateTime CurrentUtcDateTime { get; private set; } = Start;

        public bool IsReplaying => false;

        public Task<TResult> CallActivityAsync<TResult>(string name, object input)
        {
            Activities.Add(name);
            object result = input switch
            {
                LaunchLoadTestInput launch => new LaunchLoadTestResult(true, "scripted",
                    Polls ? new LoadTestPollHandle("azureloadtesting", "https://x.eastasia.cnt-prod.loadtesting.azure.com/", launch.TestId.ToLowerInvariant(), intervalSeconds) : null),
                PollLoadTestInput => Poll(statuses[Math.Min(_polls++, statuses.Length - 1)]),
                RecordPolledLoadTestInput record => Readable
                    ? new RecordPolledLoadTestResult(true, "read", new EvaluationRequest("checkout", "lt-" + record.TestId, RunPurpose.Training,
                        DateTimeOffset.Parse("2026-12-06T01:00:00Z"), DateTimeOffset.Parse("2026-12-06T01:01:00Z"), EvaluationTriggers.LoadTest))
                    : new RecordPolledLoadTestResult(false, "no requests", null),
                _ => throw new ArgumentException(name),
            };
            return Task.FromResult((TResult)result);
        }

        private static PolledRunState Poll(string status) => status switch
        {
            "DONE" => new PolledRunState(PolledRunStates.Done, status, "done"),
            "FAILED" or "CANCELLED" => new PolledRunState(PolledRunStates.Failed, status, "ended " + status),
            _ => new PolledRunState(PolledRunStates.Running, status, status),
        };

        public void SetCustomStatus(WorkflowProgress progress)
        {
        }

        public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default)
        {
            Timers.Add(fireAt);
            CurrentUtcDateTime = fireAt;
            return Task.CompletedTask;
        }

        public Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class => WaitForEventAsync<TEvent>(name, Timeout.InfiniteTimeSpan);

        public Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class
        {
            Waits.Add(name);
            var testId = name["load-test-finished:".Length..];
            var request = new EvaluationRequest("checkout", "lt-" + testId, RunPurpose.Training,
                DateTimeOffset.Parse("2026-12-06T00:00:00Z"), DateTimeOffset.Parse("2026-12-06T00:01:00Z"), EvaluationTriggers.LoadTest);
            return Task.FromResult((TEvent?)(object)new LoadTestFinishedNotice(testId, request));
        }

        public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input)
        {
            SubOrchestrations.Add(instanceId);
            var request = (EvaluationRequest)input;
            return Task.FromResult((TResult)(object)new EvaluationOutcome("checkout", request.RunId, "info", "inconclusive", null, "scripted", null, null));
        }
    }
}
