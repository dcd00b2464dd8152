using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Application.Releases;

/// <summary>The release plan's reader and on/off-only rule (Core) in the shapes the API and the orchestration use.</summary>
public static class PlanReading
{
    /// <summary>Reads <paramref name="json"/>; answers the plan or every problem with its JSON path (<see cref="ReleasePlanJson.Parse"/>).</summary>
    public static (ReleasePlan? Plan, IReadOnlyList<(string Path, string Message)> Errors) Parse(string json)
    {
        var result = ReleasePlanJson.Parse(json);
        return result.IsValid ? (result.Plan, []) : (null, result.Errors.Select(e => (e.Path, e.Message)).ToList());
    }

    /// <summary>For a provider or flag with on/off only: the first problem with the plan, naming the stage; null when it can run (<see cref="ReleasePlanRules.ForOnOffOnly"/>).</summary>
    public static (string Path, string Message)? OnOffOnly(ReleasePlan plan, string provider)
    {
        var problems = ReleasePlanRules.ForOnOffOnly(plan, provider);
        return problems.Count == 0 ? null : (problems[0].Path, problems[0].Message);
    }

    /// <summary>An ISO 8601 duration, e.g. PT10M.</summary>
    public static string Format(TimeSpan span) => IsoDuration.Format(span);
}
