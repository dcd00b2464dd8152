namespace ReleaseGuardian.Application.Storage;

/// <summary>
/// One feature flag in one provider, project and environment: the unit flag changes are grouped by.
/// A guardian's <c>flag</c> binding and a <see cref="Core.Flags.FlagChange"/> name the same scope when their
/// provider, project, environment and key are equal (a missing project or environment equals an empty one).
/// </summary>
/// <param name="Provider">The flag service, e.g. launchdarkly (compared case-insensitively).</param>
/// <param name="Project">The provider's project, where it has one.</param>
/// <param name="Environment">The environment, where the provider has one.</param>
/// <param name="FlagKey">The flag key (case-sensitive).</param>
public sealed record FlagScope(string Provider, string? Project, string? Environment, string FlagKey)
{
    /// <summary>The scope a flag change belongs to.</summary>
    /// <param name="change">The change.</param>
    public static FlagScope Of(Core.Flags.FlagChange change) =>
        new(change.Provider, change.Project, change.Environment, change.FlagKey);

    /// <summary>The scope a guardian's flag binding names.</summary>
    /// <param name="binding">The binding.</param>
    public static FlagScope Of(Core.Definitions.FlagBinding binding) =>
        new(binding.Provider, binding.Project, binding.Environment, binding.Key);
}
