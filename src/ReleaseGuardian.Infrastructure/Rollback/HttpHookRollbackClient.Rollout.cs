using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Rollouts through the generic hook: on/off only (<see cref="SupportsPercentages"/> false). 100% POSTs
/// <c>setTo.enabled: true</c> to the operator-configured hook, 0% <c>false</c>; any other percentage is refused. The
/// state is read with <c>GET {hook}?flag={key}[&amp;environment={env}]</c>, answered with
/// <c>{"enabled": true|false, "variant": "..."}</c>; a hook that cannot read (any other answer) gives an unknown state,
/// which cannot be restored. Same destinations, token and signature as the rollback hook (docs/rollout-providers.md).
/// </summary>
public sealed partial class HttpHookRollbackClient : IFlagRolloutClient
{
    /// <inheritdoc />
    public bool SupportsPercentages => false;

    /// <inheritdoc />
    public Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken) =>
        CaptureGuardedAsync(flag, ct => CaptureCoreAsync(flag, ct), cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> SetRolloutAsync(
        FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, $"set {percent}%", ct =>
        {
            if (PercentProblem(percent) is { } problem)
            {
                return Task.FromResult(new RolloutWriteResult(false, problem, null));
            }

            if (percent is not (0 or 100))
            {
                return Task.FromResult(new RolloutWriteResult(false,
                    $"The http hook provider has only on/off: {percent}% of flag '{flag.Key}' cannot be served (a one-stage plan of 100% turns it on); nothing was sent.", null));
            }

            return PostAsync(flag, "setRollout", percent == 100, variant, percent, reason, ct);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, "restore", ct =>
        {
            if (CapturedState(flag, preRelease, out var problem) is not { } captured || captured["enabled"] is not JsonValue enabled)
            {
                return Task.FromResult(new RolloutWriteResult(false, problem.Length > 0 ? problem : $"The captured state of flag '{flag.Key}' has no 'enabled'; nothing was sent.", null));
            }

            return PostAsync(flag, "restore", enabled.GetValue<bool>(), captured["variant"]?.GetValue<string>(), null, reason, ct);
        }, cancellationToken);

    private async Task<FlagRolloutSnapshot> CaptureCoreAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        if (HookUriOf(flag, out var problem) is not { } uri)
        {
            return UnknownSnapshot(problem);
        }

        var query = "flag=" + Uri.EscapeDataString(flag.Key) + (flag.Environment is { Length: > 0 } environment ? "&environment=" + Uri.EscapeDataString(environment) : "");
        var read = new UriBuilder(uri) { Query = uri.Query.Length > 1 ? uri.Query[1..] + "&" + query : query }.Uri;
        return await ReadSnapshotAsync(http, HookRequest(HttpMethod.Get, read, []), body => SnapshotOf(body, flag.Key), $"flag '{flag.Key}' through the hook {uri.GetLeftPart(UriPartial.Path)}", cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The hook's answer to the read as a snapshot; any answer without a boolean <c>enabled</c> is unknown.</summary>
    private FlagRolloutSnapshot SnapshotOf(string? body, string flagKey)
    {
        if (ParseObject(body, "the hook's answer", out _) is not { } answer || answer["enabled"] is not JsonValue e || !e.TryGetValue<bool>(out var enabled))
        {
            return UnknownSnapshot($"the hook cannot read flag '{flagKey}' (its answer has no boolean 'enabled')");
        }

        var variant = answer["variant"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        var state = new JsonObject { ["enabled"] = enabled, ["variant"] = variant };
        return new FlagRolloutSnapshot(Provider, state.ToJsonString(), enabled ? 100 : 0, FingerprintOf(state), false,
            (enabled ? "on" : "off") + (variant is null ? "" : $", variant '{variant}'") + " (on/off only)");
    }

    private async Task<RolloutWriteResult> PostAsync(FlagBinding flag, string action, bool enabled, string? variant, int? percent, string reason, CancellationToken cancellationToken)
    {
        if (HookUriOf(flag, out var problem) is not { } uri)
        {
            return new RolloutWriteResult(false, problem, null);
        }

        var attempts = new WriteAttempts();
        HttpCallResult result;
        using (var request = HookRequest(HttpMethod.Post, uri, RolloutBodyOf(flag, action, enabled, variant, percent, reason)))
        {
            result = await SendAsync(http, request, attempts, cancellationToken).ConfigureAwait(false);
        }

        var what = $"The hook {uri.GetLeftPart(UriPartial.Path)} {(result.IsSuccess ? "accepted" : "did not accept")} turning flag '{flag.Key}' {(enabled ? "on" : "off")}" +
                   (variant is null ? "" : $" (variant '{variant}')");
        return result.IsSuccess
            ? await ReadBackAsync(ct => CaptureCoreAsync(flag, ct), what + ".", cancellationToken).ConfigureAwait(false)
            : RolloutFailed(result, attempts.Count, what);
    }

    /// <summary>The rollout hook's JSON body (documented in docs/rollout-providers.md).</summary>
    internal static byte[] RolloutBodyOf(FlagBinding flag, string action, bool enabled, string? variant, int? percent, string reason) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("action", action);
        WriteFlag(w, flag);
        w.WriteStartObject("setTo");
        w.WriteBoolean("enabled", enabled);
        WriteNullable(w, "variant", variant);
        w.WriteEndObject();
        if (percent is { } p)
        {
            w.WriteNumber("percent", p);
        }
        else
        {
            w.WriteNull("percent");
        }

        w.WriteString("reason", reason);
        w.WriteEndObject();
    });
}
