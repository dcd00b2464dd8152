using System.Net;
using System.Net.Sockets;

namespace ReleaseGuardian.Infrastructure.Outbound;

/// <summary>
/// Which addresses and host names count as internal. Kept by hand rather than taken from a library: the set is
/// short, security-critical and tested address by address here (IPNetwork alone does not know which ranges matter).
/// </summary>
public static class OutboundAddresses
{
    // Cloud instance-metadata and platform endpoints: never a legitimate destination for a definition's URL, and a
    // request there can mint credentials. Refused even when private networks are allowed.
    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, Azure IMDS, GCP, OCI, DigitalOcean
        IPAddress.Parse("169.254.170.2"), // AWS ECS task metadata
        IPAddress.Parse("168.63.129.16"), // Azure WireServer (a public address that only Azure hosts reach)
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"), // AWS IMDS over IPv6
    ];

    private static readonly string[] MetadataHosts =
    [
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
    ];

    /// <summary>True for a cloud metadata host name (compared without case and without a trailing dot).</summary>
    public static bool IsMetadataHost(string host)
    {
        var name = host.Trim().TrimEnd('.');
        return MetadataHosts.Any(m => string.Equals(m, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True for a cloud metadata address (also in its IPv4-mapped IPv6 form).</summary>
    public static bool IsMetadataAddress(IPAddress address)
    {
        var plain = Unmapped(address);
        return MetadataAddresses.Any(m => m.Equals(plain));
    }

    /// <summary>
    /// True for an address that is not on the public internet: unspecified, loopback, private (10/8, 172.16/12,
    /// 192.168/16), CGNAT (100.64/10), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), site-local,
    /// multicast, broadcast and reserved ranges, and IPv6 forms that carry such an IPv4 address (mapped,
    /// compatible, NAT64, 6to4, Teredo).
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        var plain = Unmapped(address);
        if (plain.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsInternalV4(plain.GetAddressBytes());
        }

        if (plain.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        var b = plain.GetAddressBytes();
        if (plain.Equals(IPAddress.IPv6Any) || plain.Equals(IPAddress.IPv6Loopback) ||
            plain.IsIPv6LinkLocal || plain.IsIPv6SiteLocal || plain.IsIPv6Multicast)
        {
            return true;
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return true; // fc00::/7 unique-local
        }

        if (b.Take(12).All(x => x == 0))
        {
            return true; // ::/96, IPv4-compatible (deprecated), never a public destination
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            return IsInternalV4(b[12..16]); // 64:ff9b::/96 NAT64
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsInternalV4(b[2..6]); // 2002::/16 6to4
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            return true; // 2001::/32 Teredo: the IPv4 inside is obfuscated, so no check can clear it
        }

        return b[0] == 0x01 && b.Skip(1).Take(7).All(x => x == 0); // 100::/64 discard-only
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool IsInternalV4(byte[] b) =>
        b[0] == 0 || // 0/8 "this network", including 0.0.0.0
        b[0] == 10 ||
        b[0] == 127 ||
        (b[0] == 100 && (b[1] & 0xc0) == 64) || // 100.64/10 CGNAT
        (b[0] == 169 && b[1] == 254) ||
        (b[0] == 172 && (b[1] & 0xf0) == 16) ||
        (b[0] == 192 && b[1] == 168) ||
        (b[0] == 192 && b[1] == 0 && b[2] == 0) || // 192.0.0/24 protocol assignments
        (b[0] == 198 && (b[1] & 0xfe) == 18) || // 198.18/15 benchmarking
        b[0] >= 224; // multicast, reserved, broadcast
}
