namespace ReleaseGuardian.Application.Rollback;

/// <summary>What a rollback attempt amounted to.</summary>
public abstract record RollbackOutcome
{
    private RollbackOutcome()
    {
    }

    /// <summary>The provider now serves the restored state (or, for a generic hook, accepted the request).</summary>
    /// <param name="Summary">What was restored and where, in words (e.g. "LaunchDarkly flag 'new-checkout' in 'production' turned off").</param>
    /// <param name="Attempts">How many times the write was sent, retries included (reads do not count).</param>
    public sealed record Succeeded(string Summary, int Attempts) : RollbackOutcome;

    /// <summary>The rollback did not happen (or not completely); a person has to do it.</summary>
    /// <param name="Reason">Why, including the last HTTP status and a short excerpt of the answer; never a credential.</param>
    /// <param name="ManualSteps">Exactly what to do by hand: the UI path, or a curl command with a placeholder instead of the secret.</param>
    /// <param name="Attempts">How many times the write was sent, retries included; 0 when nothing was sent.</param>
    public sealed record Failed(string Reason, string ManualSteps, int Attempts) : RollbackOutcome;

    /// <summary>The provider (or this client) cannot restore that kind of state, e.g. a variant on an on/off-only service.</summary>
    /// <param name="Reason">What is not supported.</param>
    public sealed record NotSupported(string Reason) : RollbackOutcome;
}
