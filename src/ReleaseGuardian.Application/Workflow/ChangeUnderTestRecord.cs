using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// The flag change a run judged, as stored with the run: who changed what and when, the state it replaced
/// (what a rollback restores) and the ids a rollback client needs.
/// </summary>
/// <param name="Provider">The flag service.</param>
/// <param name="FlagKey">The flag.</param>
/// <param name="Project">The provider's project.</param>
/// <param name="Environment">The environment.</param>
/// <param name="Previous">The state the change replaced.</param>
/// <param name="Current">The state after the change.</param>
/// <param name="Actor">Who made it.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="ChangeId">The provider's change id.</param>
/// <param name="ProviderRefs">Provider-specific ids for the rollback client.</param>
public sealed record ChangeUnderTestRecord(
    string Provider,
    string FlagKey,
    string? Project,
    string? Environment,
    FlagState? Previous,
    FlagState Current,
    string? Actor,
    DateTimeOffset ChangedAt,
    string ChangeId,
    IReadOnlyDictionary<string, string>? ProviderRefs)
{
    /// <summary>The key that identifies this change across guardians and deliveries (for the rollback ledger).</summary>
    public string Key => string.Join('|', Provider, Project ?? "", Environment ?? "", FlagKey, ChangeId);

    /// <summary>From a recorded flag change.</summary>
    public static ChangeUnderTestRecord From(FlagChange change) => new(
        change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current,
        change.Actor, change.ChangedAt, change.ChangeId, change.ProviderRefs);

    /// <summary>Back to the domain type the rollback clients take.</summary>
    public FlagChange ToFlagChange() =>
        new(Provider, FlagKey, Project, Environment, Previous, Current, Actor, ChangedAt, ChangeId)
        {
            ProviderRefs = ProviderRefs ?? new Dictionary<string, string>(),
        };

    /// <summary>Plain words: "new-checkout on → off... by Ada at 10:00:05Z".</summary>
    public string Describe() =>
        $"{FlagKey} ({Provider}{(Environment is null ? "" : "/" + Environment)}) changed {Previous?.ToString() ?? "unknown"} → {Current}" +
        $"{(Actor is null ? "" : " by " + Actor)} at {ChangedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (change {ChangeId})";
}
