using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Application.Rollback;

/// <summary>
/// One rollback to perform: which flag, which change is being undone and the state to restore.
/// </summary>
/// <param name="GuardianId">The guardian whose verdict asked for the rollback.</param>
/// <param name="RunId">The judged run.</param>
/// <param name="Flag">The guarded flag, with the provider-specific <see cref="FlagBinding.Settings"/>.</param>
/// <param name="ChangeUnderTest">The change being undone; its <see cref="FlagChange.ProviderRefs"/> carry provider ids (e.g. Flagsmith's featureStateId).</param>
/// <param name="RestoreTo">The state the change replaced (usually <see cref="FlagChange.Previous"/>).</param>
/// <param name="Reason">Why, in words; sent to the provider as the audit comment where it takes one.</param>
public sealed record RollbackPlan(
    string GuardianId,
    string RunId,
    FlagBinding Flag,
    FlagChange ChangeUnderTest,
    FlagState RestoreTo,
    string Reason);
