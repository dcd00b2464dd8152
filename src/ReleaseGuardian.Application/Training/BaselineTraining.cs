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
                var counting = counted;
                var outcome = await LoadTestRuns.LaunchAndEvaluateAsync(
                    context, request.GuardianId, testId, "training", TimeSpan.FromMinutes(request.TimeoutMinutes),
                    step => context.SetCustomStatus(new WorkflowProgress("training", $"training {counting}/{request.Runs}: {step}")));
                if (outcome.Result != TrainingRunResults.Counted)
                {
                    reports.Add(new TrainingRunReport(run, attempt, testId, outcome.Result, outcome.Detail, outcome.Evaluation?.RunId));
                    continue;
                }

                counted++;
                done = true;
                reports.Add(new TrainingRunReport(run, attempt, testId, TrainingRunResults.Counted, outcome.Detail, outcome.Evaluation!.RunId));
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
/// <param name="Poll">Set when the orchestration polls the run instead of waiting for its result event.</param>
public sealed record LaunchLoadTestResult(bool Launched, string Detail, LoadTestPollHandle? Poll = null);
