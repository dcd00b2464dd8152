namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Retry settings for every rollback call, bound from the <c>Rollback</c> configuration section
/// (<c>Rollback:RetryBaseDelayMs</c>, <c>Rollback:MaxAttempts</c>, <c>Rollback:TimeoutSeconds</c>).
/// </summary>
public sealed class RollbackOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Rollback";

    /// <summary>First retry delay; later ones grow exponentially (with jitter). Default 500 ms.</summary>
    public int RetryBaseDelayMs { get; set; } = 500;

    /// <summary>Tries per call, the first included. Default 4 (three retries).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Time for one call including its retries. Default 100 s.</summary>
    public int TimeoutSeconds { get; set; } = 100;
}
