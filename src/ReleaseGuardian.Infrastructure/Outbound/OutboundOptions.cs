namespace ReleaseGuardian.Infrastructure.Outbound;

/// <summary>
/// The outbound policy every HttpClient of Release Guardian follows, bound from the <c>Outbound</c> section:
/// <c>Outbound:AllowPrivateNetworks</c> and <c>Outbound:MaxResponseBytes</c> (docs/security.md).
/// </summary>
public sealed class OutboundOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Outbound";

    /// <summary>The default answer cap: 4 MiB, far above any real Prometheus, Log Analytics or flag API answer for one query.</summary>
    public const long DefaultMaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>
    /// When true, loopback, private (RFC 1918, CGNAT), link-local and unique-local destinations are allowed.
    /// Off by default: a guardian definition comes from whoever holds the management key and must not reach
    /// the operator's internal network. The demo, the tests and local runs set it. Cloud metadata endpoints stay
    /// refused either way.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>The most bytes read from any one answer; a larger answer is abandoned (default 4 MiB).</summary>
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>The cap in force: <see cref="MaxResponseBytes"/>, or the default when it is not positive.</summary>
    public long EffectiveMaxResponseBytes => MaxResponseBytes > 0 ? MaxResponseBytes : DefaultMaxResponseBytes;
}
