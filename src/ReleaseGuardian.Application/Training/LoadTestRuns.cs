using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Application.Training;

/// <summary>How one launched load test ended, before or after its evaluation.</summary>
/// <param name="Result">One of <see cref="TrainingRunResults"/>: counted (judged), launch-failed, timed-out or failed.</param>
/// <param name="Detail">What happened, in plain words.</param>
/// <param name="Evaluation">The evaluation of its result, when one arrived.</param>
public sealed record LoadTestRunOutcome(string Result, string Detail, EvaluationOutcome? Evaluation)
{
    /// <summary>True when the result arrived and was judged (whatever the verdict).</summary>
    public bool Judged => Evaluation is not null;
}

/// <summary>
/// The step that training and release plans share: launch one load test through the guardian's launcher, wait for
/// that test id's result, and evaluate it as a sub-orchestration (the release workflow, instance
/// <c>{guardianId}:{runId}</c>, so one result is evaluated once). A launcher that polls its run (its launch answers a
/// <see cref="LoadTestPollHandle"/>) is polled on durable timers instead, and its result is recorded as ingestion would
/// record it before the same evaluation. Deterministic: everything derives from the inputs and the replay-safe clock.
/// </summary>
public static class LoadTestRuns
{
    /// <summary>Launches <paramref name="testId"/>, waits at most <paramref name="timeout"/> for its result and evaluates it.</summary>
    /// <param name="context">The orchestration.</param>
    /// <param name="guardianId">The guardian whose launcher starts the test.</param>
    /// <param name="testId">The test id; ingestion tells from it which instance waits (see <see cref="TrainingRuns.InstanceOf"/>).</param>
    /// <param name="purpose">training or validation.</param>
    /// <param name="timeout">How long the result is awaited after the launch.</param>
    /// <param name="progress">Called with each step's line for the custom status ("launching", "waiting for", "evaluating").</param>
    /// <param name="releaseId">The release whose stage this validates (its evaluation then leaves rollback and notice to the release).</param>
    /// <param name="abandon">Cancelled by a caller that stops waiting (a release aborted meanwhile): the result's timer is cancelled, so no durable timer outlives the orchestration.</param>
    public static async Task<LoadTestRunOutcome> LaunchAndEvaluateAsync(
        IWorkflowContext context, string guardianId, string testId, string purpose, TimeSpan timeout, Action<string> progress,
        string? releaseId = null, CancellationToken abandon = default)
    {
        progress($"launching {testId}");
        var launch = await context.CallActivityAsync<LaunchLoadTestResult>(
            WorkflowNames.LaunchLoadTest, new LaunchLoadTestInput(guardianId, testId, purpose));
        if (!launch.Launched)
        {
            return new LoadTestRunOutcome(TrainingRunResults.LaunchFailed, launch.Detail, null);
        }

        if (launch.Poll is { } poll)
        {
            return await PollAndEvaluateAsync(context, guardianId, testId, purpose, timeout, progress, poll, releaseId, abandon);
        }

        // A result that arrived while the launch was being recorded is already in the instance's history: the
        // engine keeps events raised before the wait and answers them at once.
        progress($"waiting for {testId}");
        // The wait itself has no timer; the deadline is a timer of its own that is cancelled once the result is in (or the
        // caller abandons the wait): a durable timer still pending when an orchestration ends keeps DTFx from completing it.
        var arrival = context.WaitForEventAsync<LoadTestFinishedNotice>(TrainingRuns.EventName(testId));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        var timer = context.CreateTimerAsync(context.CurrentUtcDateTime.Add(timeout), deadline.Token);
        if (await Task.WhenAny(arrival, timer) != arrival)
        {
            return new LoadTestRunOutcome(TrainingRunResults.TimedOut, $"no result within {timeout.TotalMinutes:0.#} minute(s)", null);
        }

        // Synchronously: the engines resume orchestrator code on their own scheduler only.
        deadline.Cancel();
        var notice = (await arrival)!;
        return await EvaluateAsync(context, notice.Evaluation, progress, releaseId);
    }

    /// <summary>The fewest seconds between two polls, whatever a launcher asks for: every poll is an activity and a call.</summary>
    public const int MinPollIntervalSeconds = 1;

    // A launcher that polls (Azure Load Testing): durable timers between polls, so a waiting run holds no worker and
    // survives restarts; the deadline is the same as for a result event, counted from the launch.
    private static async Task<LoadTestRunOutcome> PollAndEvaluateAsync(
        IWorkflowContext context, string guardianId, string testId, string purpose, TimeSpan timeout, Action<string> progress, LoadTestPollHandle poll,
        string? releaseId, CancellationToken abandon)
    {
        var deadline = context.CurrentUtcDateTime + timeout;
        var interval = TimeSpan.FromSeconds(Math.Max(MinPollIntervalSeconds, poll.IntervalSeconds));
        var status = "launched";
        while (true)
        {
            progress($"waiting for {testId} ({status})");
            var next = context.CurrentUtcDateTime + interval;
            if (next > deadline)
            {
                return new LoadTestRunOutcome(TrainingRunResults.TimedOut,
                    $"run {poll.RunId} did not end within {timeout.TotalMinutes:0.#} minute(s) (last status {status})", null);
            }

            // Awaited through WhenAny: a cancelled timer (the caller abandoned the wait) ends the loop without throwing.
            await Task.WhenAny(context.CreateTimerAsync(next, abandon));
            if (abandon.IsCancellationRequested)
            {
                return new LoadTestRunOutcome(TrainingRunResults.TimedOut, $"stopped waiting for run {poll.RunId} (last status {status})", null);
            }

            var state = await context.CallActivityAsync<PolledRunState>(WorkflowNames.PollLoadTest, new PollLoadTestInput(guardianId, testId, poll));
            status = state.Status;
            if (state.State == PolledRunStates.Failed)
            {
                return new LoadTestRunOutcome(TrainingRunResults.Failed, state.Detail, null);
            }

            if (state.State == PolledRunStates.Done)
            {
                break;
            }
        }

        progress($"reading the result of {testId}");
        var recorded = await context.CallActivityAsync<RecordPolledLoadTestResult>(
            WorkflowNames.RecordPolledLoadTest, new RecordPolledLoadTestInput(guardianId, testId, purpose, poll));
        if (!recorded.Recorded || recorded.Evaluation is not { } request)
        {
            return new LoadTestRunOutcome(TrainingRunResults.Failed, recorded.Detail, null);
        }

        return await EvaluateAsync(context, request, progress, releaseId);
    }

    private static async Task<LoadTestRunOutcome> EvaluateAsync(IWorkflowContext context, EvaluationRequest request, Action<string> progress, string? releaseId)
    {
        progress($"evaluating {request.RunId}");
        var evaluation = await context.CallSubOrchestratorAsync<EvaluationOutcome>(
            WorkflowNames.ReleaseWorkflow,
            WorkflowNames.InstanceId(request.GuardianId, request.RunId),
            releaseId is null ? request : request with { ReleaseId = releaseId });
        return evaluation.Status is "fail" or "error"
            ? new LoadTestRunOutcome(TrainingRunResults.Failed, evaluation.Headline, evaluation)
            : new LoadTestRunOutcome(TrainingRunResults.Counted, evaluation.Headline, evaluation);
    }
}
