namespace ReleaseGuardian.Core.Flags;

/// <summary>
/// The state of one feature flag in one environment, as far as a rollback needs it: whether it is on,
/// and which variation or default variant it serves.
/// </summary>
/// <param name="Enabled">On or off; null where the provider's payload does not say.</param>
/// <param name="Variant">The served variation, default variant or value (as text), where there is one.</param>
public sealed record FlagState(bool? Enabled, string? Variant = null)
{
    /// <summary>
    /// Plain words for explanations: "on", "off", "variant 'v2'", "disabled (variant 'v2')". Where a variant is
    /// served it is what people recognise, so it leads; "enabled" only says the flag evaluates at all.
    /// </summary>
    public override string ToString() => (Enabled, Variant) switch
    {
        (_, null) => Enabled switch { true => "on", false => "off", null => "unknown" },
        (false, _) => $"disabled (variant '{Variant}')",
        _ => $"variant '{Variant}'",
    };
}
