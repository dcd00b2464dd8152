using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Application.Training;

/// <summary>
/// The baseline training orchestration (DESIGN.md §2): N times launch a load test, wait for that test id's result,
/// evaluate it as a sub-orchestration (the release workflow, instance <c>{guardianId}:{runId}</c>, so one result is
/// evaluated once), and count it when its verdict is eligible. A refused, timed-out or failed run is reported and
/// launched again, up to a limit, and never counts. Written once against <see cref="IWorkflowContext"/> and
/// deterministic: test ids and waits derive from the instance id and the replay-safe clock only.
/// </summary>
public static class BaselineTraining
{
    /// <summary>Runs one training.</summary>
    public static async Task<TrainingOutcome> RunAsync(IWorkflowContext context, TrainingRequest request)
    {
        var reports = new List<TrainingRunReport>();
        var counted = 0;
        for (var run = 1; run <= request.Runs; run++)
        {
            var done = false;
            for (var attempt = 1; attempt <= request.MaxAttemptsPerRun && !done; attempt++)
            {
                var testId = TrainingRuns.TestId(context.InstanceId, run, attempt);
                context.SetCustomStatus(new WorkflowProgress("training", $"training {counted}/{request.Runs}: launching {testId}"));
                var launch = await context.CallActivityAsync<LaunchLoadTestResult>(
                    WorkflowNames.LaunchLoadTest, new LaunchLoadTestInput(request.GuardianId, testId, "training"));
                if (!launch.Launched)
                {
                    reports.Add(new TrainingRunReport(run, attempt, testId, TrainingRunResults.LaunchFailed, launch.Detail));
                    continue;
                }

                // A result that arrived while the launch was being recorded is already in the instance's history: the
                // engine keeps events raised before the wait and answers them at once.
                context.SetCustomStatus(new WorkflowProgress("training", $"training {counted}/{request.Runs}: waiting for {testId}"));
                var notice = await context.WaitForEventAsync<LoadTestFinishedNotice>(
                    TrainingRuns.EventName(testId), TimeSpan.FromMinutes(request.TimeoutMinutes));
                if (notice is null)
                {
                    reports.Add(new TrainingRunReport(run, attempt, testId, TrainingRunResults.TimedOut,
                        $"no result within {request.TimeoutMinutes} minute(s)"));
                    continue;
                }

                context.SetCustomStatus(new WorkflowProgress("training", $"training {counted}/{request.Runs}: evaluating {notice.Evaluation.RunId}"));
                var evaluation = await context.CallSubOrchestratorAsync<EvaluationOutcome>(
                    WorkflowNames.ReleaseWorkflow,
                    WorkflowNames.InstanceId(notice.Evaluation.GuardianId, notice.Evaluation.RunId),
                    notice.Evaluation);
                if (evaluation.Status is "fail" or "error")
                {
                    reports.Add(new TrainingRunReport(run, attempt, testId, TrainingRunResults.Failed, evaluation.Headline, evaluation.RunId));
                    continue;
                }

                counted++;
                done = true;
                reports.Add(new TrainingRunReport(run, attempt, testId, TrainingRunResults.Counted, evaluation.Headline, evaluation.RunId));
            }

            if (!done)
            {
                context.SetCustomStatus(new WorkflowProgress("failed", $"training {counted}/{request.Runs}: run {run} failed {request.MaxAttemptsPerRun} time(s)"));
                return new TrainingOutcome(request.GuardianId, "failed", counted, request.Runs, reports, []);
            }
        }

        context.SetCustomStatus(new WorkflowProgress("learning", $"training {counted}/{request.Runs}"));
        var learned = await context.CallActivityAsync<LearnedThresholds>(WorkflowNames.LearnThresholds, new LearnThresholdsInput(request.GuardianId));
        context.SetCustomStatus(new WorkflowProgress("done", $"training {counted}/{request.Runs}"));
        return new TrainingOutcome(request.GuardianId, "trained", counted, request.Runs, reports, learned.Objectives);
    }
}

/// <summary>Output of <see cref="WorkflowNames.LaunchLoadTest"/>.</summary>
/// <param name="Launched">True when the launcher accepted.</param>
/// <param name="Detail">What happened.</param>
public sealed record LaunchLoadTestResult(bool Launched, string Detail);
