namespace ReleaseGuardian.Application.Storage;

/// <summary>A release as stored: the report's JSON with the fields the listing and the timeline read.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="ReleaseId">The release.</param>
/// <param name="State">Its state (<see cref="Releases.ReleaseStates"/>).</param>
/// <param name="StartedAt">When it started (the timeline orders by it).</param>
/// <param name="ReportJson">The whole <see cref="Releases.ReleaseReport"/> as JSON (WorkflowJsonContext).</param>
public sealed record ReleaseRecord(string GuardianId, string ReleaseId, string State, DateTimeOffset StartedAt, string ReportJson);

/// <summary>Who holds the per-flag release lock.</summary>
/// <param name="FlagKey">The flag scope's key (<see cref="ReleaseLocks.KeyOf"/>).</param>
/// <param name="GuardianId">The guardian whose release holds it.</param>
/// <param name="ReleaseId">The release that holds it.</param>
/// <param name="InstanceId">That release's instance (the lock is taken over when it no longer runs).</param>
/// <param name="TakenAt">When it was taken.</param>
/// <param name="ETag">The row's version, for a takeover that must not race another.</param>
public sealed record FlagLock(string FlagKey, string GuardianId, string ReleaseId, string InstanceId, DateTimeOffset TakenAt, string? ETag = null);

/// <summary>The outcome of taking the per-flag lock.</summary>
/// <param name="Acquired">True when this release now holds it.</param>
/// <param name="Holder">The lock as found (the running release) when it was not acquired.</param>
public sealed record FlagLockResult(bool Acquired, FlagLock? Holder);

/// <summary>Keys of the per-flag lock.</summary>
public static class ReleaseLocks
{
    /// <summary>One key per flag scope: provider (lower case), project, environment and key.</summary>
    public static string KeyOf(FlagScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return $"{scope.Provider.ToLowerInvariant()}|{scope.Project}|{scope.Environment}|{scope.FlagKey}";
    }
}

/// <summary>
/// Releases and the per-flag release lock. A release row is written whole each time (never half-stored); the lock is an
/// insert-if-absent row whose takeover is conditional on the version that was read.
/// </summary>
public interface IReleaseStore
{
    /// <summary>Writes the release row whole (insert or replace).</summary>
    Task SaveAsync(ReleaseRecord release, CancellationToken cancellationToken = default);

    /// <summary>One release, or null.</summary>
    Task<ReleaseRecord?> GetAsync(string guardianId, string releaseId, CancellationToken cancellationToken = default);

    /// <summary>A guardian's releases, newest first.</summary>
    Task<ResultPage<ReleaseRecord>> ListAsync(string guardianId, int pageSize, string? continuation, CancellationToken cancellationToken = default);

    /// <summary>Removes a release row (a start that could not create its instance).</summary>
    Task DeleteAsync(string guardianId, string releaseId, CancellationToken cancellationToken = default);

    /// <summary>Takes the lock if nobody holds it; otherwise answers the holder (with its version).</summary>
    Task<FlagLockResult> TryLockAsync(FlagLock wanted, CancellationToken cancellationToken = default);

    /// <summary>Replaces <paramref name="stale"/> (read with its version) by <paramref name="wanted"/>; false when someone changed it since.</summary>
    Task<bool> TakeOverAsync(FlagLock stale, FlagLock wanted, CancellationToken cancellationToken = default);

    /// <summary>Frees the lock of <paramref name="flagKey"/> if <paramref name="releaseId"/> holds it; false when another release (or nobody) does.</summary>
    Task<bool> UnlockAsync(string flagKey, string releaseId, CancellationToken cancellationToken = default);
}
