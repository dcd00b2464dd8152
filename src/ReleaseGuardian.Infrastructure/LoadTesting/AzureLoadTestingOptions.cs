using Azure.Core;
using Azure.Identity;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>
/// Settings of the Azure Load Testing launcher (configuration section <c>LoadTest:AzureLoadTesting</c>). The identity
/// that starts runs is the operator's: a guardian definition names only the endpoint and the test.
/// </summary>
public sealed class AzureLoadTestingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "LoadTest:AzureLoadTesting";

    /// <summary>Seconds between two polls of a run's status (a durable timer each). Default 15; at least 1.</summary>
    public int PollIntervalSeconds { get; set; } = 15;

    /// <summary>The client id of a user-assigned managed identity; empty uses the system-assigned identity.</summary>
    public string? ClientId { get; set; }

    /// <summary><c>managedidentity</c> (default) or <c>default</c> (DefaultAzureCredential, for a developer machine).</summary>
    public string? Credential { get; set; }
}

/// <summary>
/// The token credential the Azure Load Testing launcher uses, from <see cref="AzureLoadTestingOptions"/>. A wrapper
/// rather than a bare <see cref="TokenCredential"/> in the container, so it never stands in for another client's identity.
/// </summary>
/// <param name="Credential">The credential.</param>
public sealed record AzureLoadTestingCredential(TokenCredential Credential)
{
    /// <summary>The credential the options name.</summary>
    public static AzureLoadTestingCredential From(AzureLoadTestingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.Equals(options.Credential, "default", StringComparison.OrdinalIgnoreCase))
        {
            return new AzureLoadTestingCredential(new DefaultAzureCredential());
        }

        return new AzureLoadTestingCredential(new ManagedIdentityCredential(string.IsNullOrWhiteSpace(options.ClientId)
            ? ManagedIdentityId.SystemAssigned
            : ManagedIdentityId.FromUserAssignedClientId(options.ClientId)));
    }
}
