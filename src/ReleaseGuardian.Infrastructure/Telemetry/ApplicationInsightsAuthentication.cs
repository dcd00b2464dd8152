using System.Diagnostics.CodeAnalysis;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.Telemetry;

/// <summary>
/// Entra ID ingestion for Application Insights, as the <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> setting states it:
/// <c>Authorization=AAD</c> for the system-assigned identity, <c>Authorization=AAD;ClientId=&lt;guid&gt;</c> for a
/// user-assigned one. The Functions host reads that setting for its own exporter; an Azure Monitor exporter in app code
/// does not, so each host builds the credential from it here. With local auth disabled on the resource, an exporter
/// without it has every batch refused.
/// </summary>
/// <param name="ClientId">The user-assigned identity's client id; <see langword="null"/> for the system-assigned identity.</param>
public sealed record ApplicationInsightsAuthentication(string? ClientId)
{
    /// <summary>The app setting (environment variable) that carries the authentication string.</summary>
    public const string SettingName = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// Reads the setting from <paramref name="configuration"/>: <see langword="null"/> when it is absent or blank (key-based
    /// ingestion). A malformed value stops the host at startup rather than losing its telemetry in silence.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting is present but malformed; the message names the setting and the fault.</exception>
    public static ApplicationInsightsAuthentication? FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[SettingName];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return TryParse(value, out var authentication, out var problem)
            ? authentication
            : throw new InvalidOperationException($"{SettingName} is not valid: {problem}");
    }

    /// <summary>
    /// Parses an authentication string. It accepts exactly what the Functions host accepts, because both read the same
    /// setting: <c>;</c>-separated <c>key=value</c> pairs in any order, keys case-insensitive, <c>Authorization</c> required
    /// and equal to <c>AAD</c> (any case), <c>ClientId</c> optional and a GUID; other pairs and empty parts are ignored.
    /// </summary>
    /// <param name="value">The setting's value.</param>
    /// <param name="authentication">The parsed setting, when it is valid.</param>
    /// <param name="problem">What is wrong, when it is not. It never repeats the value.</param>
    /// <returns>Whether the value is valid.</returns>
    public static bool TryParse(
        string? value,
        [NotNullWhen(true)] out ApplicationInsightsAuthentication? authentication,
        [NotNullWhen(false)] out string? problem)
    {
        authentication = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "it is empty; use \"Authorization=AAD\" or \"Authorization=AAD;ClientId=<client id of the identity>\".";
            return false;
        }

        var authorized = false;
        string? clientId = null;
        foreach (var part in value.Split(';'))
        {
            var separator = part.IndexOf('=', StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var key = part[..separator].Trim();
            var text = part[(separator + 1)..].Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                if (!text.Equals("AAD", StringComparison.OrdinalIgnoreCase))
                {
                    problem = "Authorization must be AAD, the only mechanism Application Insights accepts here.";
                    return false;
                }

                authorized = true;
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            {
                if (!Guid.TryParse(text, out _))
                {
                    problem = "ClientId is not a GUID; it must be the client id of the user-assigned managed identity.";
                    return false;
                }

                clientId = text;
            }
        }

        if (!authorized)
        {
            problem = "Authorization=AAD is missing.";
            return false;
        }

        authentication = new ApplicationInsightsAuthentication(clientId);
        problem = null;
        return true;
    }

    /// <summary>The managed identity credential the setting names: user-assigned by client id, else system-assigned.</summary>
    public TokenCredential CreateCredential() => new ManagedIdentityCredential(
        ClientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(ClientId));
}
