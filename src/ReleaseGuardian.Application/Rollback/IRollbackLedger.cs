namespace ReleaseGuardian.Application.Rollback;

/// <summary>Whether a run may roll a change back.</summary>
/// <param name="Granted">True when this run holds the claim (first claim, or a replay of the same run).</param>
/// <param name="ClaimedByRunId">The run that holds the claim.</param>
/// <param name="Result">The recorded result when the holder has finished, else null.</param>
/// <param name="Summary">What happened, as recorded with the result.</param>
/// <param name="ManualSteps">What to do by hand, as recorded with the result.</param>
/// <param name="Attempts">Calls the holder made to the flag service.</param>
public sealed record RollbackClaim(bool Granted, string ClaimedByRunId, string? Result, string? Summary = null, string? ManualSteps = null, int Attempts = 0);

/// <summary>
/// One entry per flag change that anyone tried to roll back, so a change is never rolled back twice: not by
/// a duplicate event, not by a second guardian on the same flag, not by a replayed activity.
/// </summary>
public interface IRollbackLedger
{
    /// <summary>Claims the rollback of <paramref name="changeKey"/> for <paramref name="runId"/>; atomic.</summary>
    Task<RollbackClaim> ClaimAsync(string changeKey, string guardianId, string runId, CancellationToken cancellationToken);

    /// <summary>
    /// The entry for <paramref name="changeKey"/> without claiming it (<see cref="RollbackClaim.Granted"/> is false),
    /// or null when nobody has tried to roll that change back.
    /// </summary>
    Task<RollbackClaim?> FindAsync(string changeKey, CancellationToken cancellationToken);

    /// <summary>
    /// Records how the claimed rollback ended, whole: a replay of the activity answers from it exactly as the first
    /// execution did, so its result needs no checkpoint of its own to be repeatable.
    /// </summary>
    Task CompleteAsync(string changeKey, string result, string summary, string? manualSteps, int attempts, CancellationToken cancellationToken);
}
