namespace ReleaseGuardian.Core.Releases;

/// <summary>How a release plan validates each stage.</summary>
public static class ReleaseValidations
{
    /// <summary>Launch a load test through the guardian's launcher and evaluate its result.</summary>
    public const string LoadTest = "loadtest";

    /// <summary>Wait out the stage's hold on a durable timer, then evaluate that window through the guardian's metrics source.</summary>
    public const string Window = "window";

    /// <summary>Every value, for error messages.</summary>
    public static IReadOnlyList<string> All { get; } = [LoadTest, Window];
}

/// <summary>Whether a stage that passed moves on by itself.</summary>
public static class ReleaseApprovals
{
    /// <summary>Go moves to the next stage at once.</summary>
    public const string Auto = "auto";

    /// <summary>Go waits for an approval (or the approval timeout, after which the release pauses).</summary>
    public const string Manual = "manual";

    /// <summary>Every value, for error messages.</summary>
    public static IReadOnlyList<string> All { get; } = [Auto, Manual];
}

/// <summary>One stage of a release plan.</summary>
/// <param name="Rollout">The share of users on the new value, 1–100.</param>
/// <param name="Hold">How long the stage runs before it is judged (required with <c>window</c> validation).</param>
public sealed record ReleaseStage(int Rollout, TimeSpan? Hold = null);

/// <summary>
/// A progressive release of a guardian's flag: stages of increasing rollout, each validated and judged before the
/// next; a No-Go restores the flag's exact pre-release state.
/// </summary>
/// <param name="Stages">The stages, in order, with strictly increasing rollouts.</param>
/// <param name="Validate">loadtest or window (<see cref="ReleaseValidations"/>).</param>
/// <param name="Approval">auto or manual (<see cref="ReleaseApprovals"/>).</param>
/// <param name="RequiredPasses">Consecutive Go evaluations a stage needs before it advances (hysteresis), 1 or more.</param>
/// <param name="ApprovalTimeout">How long a manual approval is awaited before the release pauses (default 24 h).</param>
/// <param name="Variant">The value rolled out (null: the flag's "on"/true value).</param>
public sealed record ReleasePlan(
    IReadOnlyList<ReleaseStage> Stages,
    string Validate = ReleaseValidations.LoadTest,
    string Approval = ReleaseApprovals.Auto,
    int RequiredPasses = 1,
    TimeSpan? ApprovalTimeout = null,
    string? Variant = null)
{
    /// <summary>The approval timeout when the plan gives none.</summary>
    public static TimeSpan DefaultApprovalTimeout { get; } = TimeSpan.FromHours(24);
}
