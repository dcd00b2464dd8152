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
/// <c>{guardianId}:{runId}</c>, so one result is evaluated once). Deterministic: everything derives from the inputs.
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

        progress($"evaluating {notice.Evaluation.RunId}");
        var evaluation = await context.CallSubOrchestratorAsync<EvaluationOutcome>(
            WorkflowNames.ReleaseWorkflow,
            WorkflowNames.InstanceId(notice.Evaluation.GuardianId, notice.Evaluation.RunId),
            releaseId is null ? notice.Evaluation : notice.Evaluation with { ReleaseId = releaseId });
        return evaluation.Status is "fail" or "error"
            ? new LoadTestRunOutcome(TrainingRunResults.Failed, evaluation.Headline, evaluation)
            : new LoadTestRunOutcome(TrainingRunResults.Counted, evaluation.Headline, evaluation);
    }
}
