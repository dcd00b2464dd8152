namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// The one release workflow (DESIGN.md §2): measure, judge, and on a decision the policy rolls back,
/// undo the change under test; then record and send the notification. Written once against
/// <see cref="IWorkflowContext"/> and deterministic, so Durable Functions and the standalone runner both
/// replay it.
/// </summary>
public static class ReleaseWorkflow
{
    /// <summary>Runs the workflow for one evaluation.</summary>
    public static async Task<EvaluationOutcome> RunAsync(IWorkflowContext context, EvaluationRequest request)
    {
        context.SetCustomStatus(new WorkflowProgress("querying-signals",
            $"measuring {request.GuardianId} over {request.Start:u} to {request.End:u}"));
        var signals = await context.CallActivityAsync<SignalsResult>(WorkflowNames.QuerySignals, request);
        if (signals.GuardianMissing)
        {
            // Deleted while the run waited: an outcome to end on at once, not an error for the retry policy.
            var gone = JudgeRunResult.GuardianDeleted(request);
            context.SetCustomStatus(new WorkflowProgress("done", gone.Headline));
            return new EvaluationOutcome(request.GuardianId, request.RunId, gone.Status, gone.Decision, null, gone.Headline, null, null);
        }

        context.SetCustomStatus(new WorkflowProgress("judging",
            $"judging {signals.Values.Count} measured signal(s), {signals.Failures.Count} unavailable"));
        var judgement = await context.CallActivityAsync<JudgeRunResult>(
            WorkflowNames.JudgeRun, new JudgeRunInput(request, signals));

        // A release stage's evaluation leaves the flag to its release, which restores the exact pre-release state on a
        // No-Go and notifies the stage with this verdict as evidence.
        var releaseStage = request.ReleaseId is not null;
        RollbackFlagResult? rollback = null;
        if (!releaseStage && judgement.RollbackRequired && judgement.ChangeUnderTestId is not null)
        {
            context.SetCustomStatus(new WorkflowProgress("rolling-back", judgement.Headline));
            rollback = await context.CallActivityAsync<RollbackFlagResult>(
                WorkflowNames.RollbackFlag,
                new RollbackFlagInput(request.GuardianId, judgement.RunId, judgement.ChangeUnderTestId, judgement.Headline, judgement.ChangeUnderTest));
        }

        NotificationResult? notification = null;
        if (!releaseStage && (judgement.NotifyKind is not null || rollback is not null))
        {
            context.SetCustomStatus(new WorkflowProgress("notifying", judgement.Headline));
            notification = await context.CallActivityAsync<NotificationResult>(
                WorkflowNames.RecordAndSendNotifications, new NotificationInput(request, judgement, rollback));
        }

        context.SetCustomStatus(new WorkflowProgress("done", judgement.Headline));
        return new EvaluationOutcome(
            request.GuardianId,
            judgement.RunId,
            judgement.Status,
            judgement.Decision,
            judgement.Score,
            judgement.Headline,
            rollback,
            notification?.NotificationId);
    }
}
