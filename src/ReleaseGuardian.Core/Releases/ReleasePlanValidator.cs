using System.Globalization;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.Formats;

namespace ReleaseGuardian.Core.Releases;

/// <summary>
/// Checks a release plan against the rules of issue 15 (docs/releases.md, "Plan format"). The JSON reader applies
/// the same rules with the same paths, so a plan built in code (or stored and reloaded) is held to the same standard.
/// </summary>
public static class ReleasePlanValidator
{
    /// <summary>The most stages a plan may have.</summary>
    public const int MaxStages = 20;

    /// <summary>The most consecutive Go evaluations a stage may require.</summary>
    public const int MaxRequiredPasses = 10;

    /// <summary>The longest a variant name may be.</summary>
    public const int MaxVariantLength = 200;

    /// <summary>The longest hold of one stage.</summary>
    public static TimeSpan MaxHold { get; } = TimeSpan.FromDays(7);

    /// <summary>The shortest approval timeout.</summary>
    public static TimeSpan MinApprovalTimeout { get; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest approval timeout.</summary>
    public static TimeSpan MaxApprovalTimeout { get; } = TimeSpan.FromDays(30);

    /// <summary>Every problem with the plan, in document order; empty when it is valid.</summary>
    public static IReadOnlyList<DefinitionError> Validate(ReleasePlan plan) =>
        [.. Validate(plan, new HashSet<string>(StringComparer.Ordinal)).OrderBy(e => e.Path, DefinitionPathOrder.ReleasePlan)];

    /// <summary>Validates, leaving out problems at or under <paramref name="broken"/> paths (fields the reader could not read).</summary>
    internal static List<DefinitionError> Validate(ReleasePlan plan, IReadOnlySet<string> broken)
    {
        var errors = new List<DefinitionError>();
        void Add(string path, string message, params string[] dependsOn)
        {
            if (!JsonInput.IsUnder(path, broken) && !dependsOn.Any(d => JsonInput.IsUnder(d, broken)))
            {
                errors.Add(new DefinitionError(path, message));
            }
        }

        if (plan is null)
        {
            Add(JsonInput.Root, "is required");
            return errors;
        }

        var window = plan.Validate == ReleaseValidations.Window;
        var stages = plan.Stages ?? [];
        if (stages.Count is < 1 or > MaxStages)
        {
            Add("stages", $"must list 1 to {MaxStages} stages, not {Invariant(stages.Count)}");
        }

        int? previous = null;
        for (var i = 0; i < stages.Count; i++)
        {
            var path = $"stages[{Invariant(i)}]";
            if (stages[i] is not { } stage)
            {
                Add(path, "must be a stage");
                previous = null;
                continue;
            }

            var rolloutPath = path + ".rollout";
            if (stage.Rollout is < 1 or > 100)
            {
                Add(rolloutPath, $"must be a percentage from 1 to 100, not {Invariant(stage.Rollout)}");
            }
            else if (previous is { } before && stage.Rollout <= before)
            {
                Add(rolloutPath, $"must be greater than stages[{Invariant(i - 1)}].rollout ({Invariant(before)}): rollouts increase strictly", $"stages[{Invariant(i - 1)}].rollout");
            }

            previous = JsonInput.IsUnder(rolloutPath, broken) ? null : stage.Rollout;

            var holdPath = path + ".hold";
            if (stage.Hold is { } hold)
            {
                if (hold <= TimeSpan.Zero || hold > MaxHold)
                {
                    Add(holdPath, $"must be longer than zero and at most P7D (7 days), not {Shown(hold)}");
                }
            }
            else if (window)
            {
                Add(holdPath, $"is required with validate {ReleaseValidations.Window}: stage {Invariant(i + 1)} has no window to evaluate", "validate");
            }
        }

        if (!ReleaseValidations.All.Contains(plan.Validate))
        {
            Add("validate", $"must be {JsonInput.Choices(ReleaseValidations.All)}, not '{Safe(plan.Validate)}'");
        }

        if (!ReleaseApprovals.All.Contains(plan.Approval))
        {
            Add("approval", $"must be {JsonInput.Choices(ReleaseApprovals.All)}, not '{Safe(plan.Approval)}'");
        }

        if (plan.RequiredPasses is < 1 or > MaxRequiredPasses)
        {
            Add("requiredPasses", $"must be from 1 to {MaxRequiredPasses}, not {Invariant(plan.RequiredPasses)}");
        }

        if (plan.ApprovalTimeout is { } timeout && (timeout < MinApprovalTimeout || timeout > MaxApprovalTimeout))
        {
            Add("approvalTimeout", $"must be from PT1M (1 minute) to P30D (30 days), not {Shown(timeout)}");
        }

        if (plan.Variant is { } variant)
        {
            if (string.IsNullOrWhiteSpace(variant))
            {
                Add("variant", "must not be empty (leave it out to roll out the flag's on/true value)");
            }
            else if (variant.Length > MaxVariantLength)
            {
                Add("variant", $"must be at most {MaxVariantLength} characters");
            }
            else if (FlagNames.ProblemWith(variant) is { } problem)
            {
                Add("variant", problem);
            }
        }

        return errors;
    }

    private static string Shown(TimeSpan value) => value < TimeSpan.Zero ? "a negative duration" : IsoDuration.Format(value);

    // A value echoed in an error never carries a lone surrogate or a control character into a response.
    private static string Safe(string? value)
    {
        var text = value ?? "";
        var clipped = text.Length > 40 ? text[..40] + "…" : text;
        return string.Concat(clipped.Select(c => char.IsSurrogate(c) || char.IsControl(c) ? '?' : c));
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
