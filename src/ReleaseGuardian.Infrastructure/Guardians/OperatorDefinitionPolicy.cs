using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Infrastructure.Outbound;
using ReleaseGuardian.Infrastructure.Rollback;

namespace ReleaseGuardian.Infrastructure.Guardians;

/// <summary>
/// The operator's configuration applied to a definition at PUT (issue 12): the generic hook's URL must be one the
/// operator configured, an http launcher's URL must be on <c>LoadTest:AllowedUrls</c>, flag files must lie under <c>FlagFiles:Root</c>, a blob source on the configured storage,
/// and, unless <c>Outbound:AllowPrivateNetworks</c>, no URL may name an internal address or a metadata host
/// literally. (A name that resolves to an internal address is refused when connecting; this answers sooner.)
/// </summary>
public sealed class OperatorDefinitionPolicy(IConfiguration configuration, IOptionsMonitor<OutboundOptions> outbound) : IOperatorDefinitionPolicy
{
    /// <inheritdoc />
    public IReadOnlyList<DefinitionError> Check(GuardianDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new List<DefinitionError>();
        if (definition.Flag is { } flag)
        {
            CheckFlag(flag, errors);
        }

        if (definition.Metrics?.Url is { } metricsUrl)
        {
            CheckDestination("metrics.url", metricsUrl, errors);
        }

        if (definition.LoadTest?.Url is { } launcherUrl)
        {
            var before = errors.Count;
            CheckDestination("loadTest.url", launcherUrl, errors);
            if (errors.Count == before && definition.LoadTest.Launcher == LoadTestLaunchers.Http
                && LoadTestDestinations.ProblemWith(configuration, launcherUrl) is { } notAllowed)
            {
                errors.Add(new DefinitionError("loadTest.url", notAllowed.StartsWith("loadTest.url ", StringComparison.Ordinal)
                    ? notAllowed["loadTest.url ".Length..]
                    : notAllowed));
            }
        }

        var notify = definition.Policy?.Notify ?? [];
        for (var i = 0; i < notify.Count; i++)
        {
            if (notify[i]?.Url is { } url)
            {
                CheckDestination($"policy.notify[{i}].url", url, errors);
            }
        }

        return errors;
    }

    private void CheckFlag(FlagBinding flag, List<DefinitionError> errors)
    {
        string? Setting(string name) => flag.Settings.FirstOrDefault(s => string.Equals(s.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        switch (flag.Provider)
        {
            case HttpHookRollbackClient.ProviderName when Setting("url") is { } url:
                if (!Uri.TryCreate(url, UriKind.Absolute, out var hook) || !HookDestinations.IsConfigured(configuration, hook))
                {
                    errors.Add(new DefinitionError("flag.settings.url",
                        $"must be a hook URL the operator configured ({HookDestinations.UrlKey} or {HookDestinations.AllowListKey}); the hook's credentials go nowhere else"));
                }

                break;
            case FlagdRollbackClient.ProviderName when Setting("source") is { } source:
                if (FlagdRollbackClient.ProblemWithSource(configuration, source) is { } sourceProblem)
                {
                    errors.Add(new DefinitionError("flag.settings.source", sourceProblem.StartsWith("flag.settings.source ", StringComparison.Ordinal)
                        ? sourceProblem["flag.settings.source ".Length..]
                        : sourceProblem));
                }

                break;
            case GoFeatureFlagRollbackClient.ProviderName when Setting("flagFile") is { } file:
                if (GoFeatureFlagRollbackClient.ProblemWithFlagFile(configuration, file) is { } fileProblem)
                {
                    errors.Add(new DefinitionError("flag.settings.flagFile", fileProblem.StartsWith("flag.settings.flagFile ", StringComparison.Ordinal)
                        ? fileProblem["flag.settings.flagFile ".Length..]
                        : fileProblem));
                }

                break;
        }
    }

    private void CheckDestination(string path, string url, List<DefinitionError> errors)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return; // Core reports the malformed URL.
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.IdnHost;
        var literal = IPAddress.TryParse(host, out var address) ? address : null;
        if (OutboundAddresses.IsMetadataHost(host) || (literal is not null && OutboundAddresses.IsMetadataAddress(literal)))
        {
            errors.Add(new DefinitionError(path, "must not name a cloud metadata endpoint"));
        }
        else if (literal is not null && OutboundAddresses.IsInternal(literal) && !outbound.CurrentValue.AllowPrivateNetworks)
        {
            errors.Add(new DefinitionError(path,
                $"names an internal address, which the outbound policy refuses (set {OutboundOptions.Section}:AllowPrivateNetworks=true to allow internal networks)"));
        }
    }
}
