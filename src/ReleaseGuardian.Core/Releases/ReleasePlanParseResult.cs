using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Releases;

/// <summary>The outcome of reading a release plan: the plan, or every problem found, each naming its field.</summary>
public sealed record ReleasePlanParseResult
{
    private ReleasePlanParseResult(ReleasePlan? plan, IReadOnlyList<DefinitionError> errors)
    {
        Plan = plan;
        Errors = errors;
    }

    /// <summary>The plan, with defaults filled in; null when there are errors.</summary>
    public ReleasePlan? Plan { get; }

    /// <summary>Every problem found, in document order; empty when the plan is valid.</summary>
    public IReadOnlyList<DefinitionError> Errors { get; }

    /// <summary>True when the plan was read without problems.</summary>
    public bool IsValid => Plan is not null && Errors.Count == 0;

    /// <summary>A valid plan.</summary>
    public static ReleasePlanParseResult Valid(ReleasePlan plan) => new(plan, []);

    /// <summary>An invalid plan and its problems.</summary>
    public static ReleasePlanParseResult Invalid(IReadOnlyList<DefinitionError> errors) => new(null, errors);
}
