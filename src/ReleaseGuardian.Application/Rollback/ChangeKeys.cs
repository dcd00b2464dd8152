using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Application.Rollback;

/// <summary>The identity of a flag change across guardians and deliveries, as the rollback ledger keys it.</summary>
public static class ChangeKeys
{
    /// <summary><c>provider|project|environment|flagKey|changeId</c>.</summary>
    public static string Of(FlagChange change) =>
        string.Join('|', change.Provider, change.Project ?? "", change.Environment ?? "", change.FlagKey, change.ChangeId);
}
