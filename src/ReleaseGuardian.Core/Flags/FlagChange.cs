namespace ReleaseGuardian.Core.Flags;

/// <summary>
/// One change of one feature flag, normalised from whichever flag service reported it.
/// </summary>
/// <param name="Provider">The flag service: launchdarkly, unleash, flagsmith, configcat, gofeatureflag, growthbook, split, azureappconfig, flagd.</param>
/// <param name="FlagKey">The flag's key.</param>
/// <param name="Project">The provider's project (or config, workspace), where it has one.</param>
/// <param name="Environment">The environment the change applies to, where the provider has one.</param>
/// <param name="Previous">The state the change replaced, when known; a rollback restores it.</param>
/// <param name="Current">The state after the change.</param>
/// <param name="Actor">Who made the change, where the provider says.</param>
/// <param name="ChangedAt">When the change happened.</param>
/// <param name="ChangeId">The provider's change id, or a hash of the delivery where it sends none; the de-dup key.</param>
/// <param name="RawPayload">The delivery as received, kept for the audit trail.</param>
public sealed record FlagChange(
    string Provider,
    string FlagKey,
    string? Project,
    string? Environment,
    FlagState? Previous,
    FlagState Current,
    string? Actor,
    DateTimeOffset ChangedAt,
    string ChangeId,
    string? RawPayload = null)
{
    /// <summary>
    /// Provider-specific identifiers a rollback client needs beyond the flag key, e.g. Flagsmith's
    /// <c>featureStateId</c> and <c>environmentApiKey</c>, ConfigCat's <c>settingId</c> and <c>environmentId</c>,
    /// Split's <c>workspaceId</c>, Azure App Configuration's <c>label</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> ProviderRefs { get; init; } = new Dictionary<string, string>();
}
