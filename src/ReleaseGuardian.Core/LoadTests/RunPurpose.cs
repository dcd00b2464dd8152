namespace ReleaseGuardian.Core.LoadTests;

/// <summary>Why a load test ran: to train the baseline or to validate a change.</summary>
public enum RunPurpose
{
    /// <summary>A baseline run: judged for the record and, when eligible, learned from.</summary>
    Training,

    /// <summary>A run that validates the change under test.</summary>
    Validation,
}
