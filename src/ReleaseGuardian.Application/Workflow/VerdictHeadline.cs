using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// The one line that explains a verdict, e.g. "No-Go on checkout (score 12): error rate 0.12 > failure 0.015".
/// Built from the verdict alone, so the workflow's status and the timeline (which rebuilds it from the stored
/// run) always say the same thing.
/// </summary>
public static class VerdictHeadline
{
    /// <summary>The headline of a guardian's verdict, with baseline training progress while it trains.</summary>
    /// <param name="guardianId">The guardian.</param>
    /// <param name="verdict">The verdict.</param>
    public static string Of(string guardianId, Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var training = verdict.Objectives.Select(o => o.Training).FirstOrDefault(t => t is not null);
        var decision = verdict.Decision switch { Decision.Go => "Go", Decision.NoGo => "No-Go", _ => "Inconclusive" };
        var driver = verdict.Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Fail && o.Key)
            ?? verdict.Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Fail)
            ?? verdict.Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Error)
            ?? verdict.Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Warning);
        var reason = driver is null ? null
            : new ObjectiveLine(driver.Name, driver.Signal, driver.Status, driver.Value, driver.Warning, driver.Failure, driver.Explanation, driver.Key).Describe();
        var text = $"{decision} on {guardianId} (score {verdict.Score?.ToString("0.#") ?? "n/a"})";
        if (reason is not null)
        {
            text += ": " + reason;
        }

        return training is null ? text : $"{text}; baseline training {training.Count}/{training.Required}";
    }
}
