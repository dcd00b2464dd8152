using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// What the clients that also set rollout percentages (<see cref="IFlagRolloutClient"/>) share: they live on the
/// provider's rollback client so settings, auth, URLs, the retrying HttpClient and the outbound policy are the same
/// ones, and every failure becomes a <see cref="RolloutWriteResult"/> (or an unknown snapshot) with secrets scrubbed.
/// </summary>
public abstract partial class RollbackClientBase
{
    /// <summary>
    /// A snapshot whose state could not be read. <see cref="FlagRolloutSnapshot.State"/> and
    /// <see cref="FlagRolloutSnapshot.Fingerprint"/> are empty, so nothing can be restored from it and it never
    /// matches a real fingerprint; <see cref="FlagRolloutSnapshot.Summary"/> says why.
    /// </summary>
    private protected FlagRolloutSnapshot UnknownSnapshot(string why) =>
        new(Provider, "", null, "", false, "state unknown: " + Scrub(why));

    /// <summary>True when <paramref name="snapshot"/> is an unknown state (nothing was read).</summary>
    internal static bool IsUnknown(FlagRolloutSnapshot snapshot) => FlagRolloutSnapshots.IsUnknown(snapshot);

    /// <summary>Runs a capture; any provider failure becomes an unknown snapshot, only cancellation propagates.</summary>
    private protected async Task<FlagRolloutSnapshot> CaptureGuardedAsync(
        FlagBinding flag, Func<CancellationToken, Task<FlagRolloutSnapshot>> capture, CancellationToken cancellationToken)
    {
        var snapshot = await GuardedAsync(flag, "read", capture, UnknownSnapshot, cancellationToken).ConfigureAwait(false);
        RolloutLog.Captured(Logger, Provider, flag.Key, snapshot.Summary);
        return snapshot;
    }

    /// <summary>
    /// Runs a rollout write or a restore; any provider failure becomes Succeeded=false with the reason, only
    /// cancellation propagates. <paramref name="action"/> names the write in the log ("set 10%", "restore").
    /// </summary>
    private protected async Task<RolloutWriteResult> WriteGuardedAsync(
        FlagBinding flag, string action, Func<CancellationToken, Task<RolloutWriteResult>> write, CancellationToken cancellationToken)
    {
        var result = await GuardedAsync(flag, action, write, why => new RolloutWriteResult(false, why, null), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            RolloutLog.Written(Logger, Provider, flag.Key, action, result.Detail);
        }
        else
        {
            RolloutLog.WriteFailed(Logger, Provider, flag.Key, action, result.Detail);
        }

        return result;
    }

    /// <summary>Runs <paramref name="run"/>; an exception other than cancellation becomes <paramref name="failed"/> with a scrubbed reason.</summary>
    private async Task<T> GuardedAsync<T>(
        FlagBinding flag, string action, Func<CancellationToken, Task<T>> run, Func<string, T> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        try
        {
            return await run(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (UnsafePathSegmentException ex)
        {
            return failed($"{Provider} {action} of flag '{flag.Key}' was not sent: {ex.Message}.");
        }
#pragma warning disable CA1031 // The port promises a snapshot or a result, never a provider exception.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return failed($"{Provider} {action} of flag '{flag.Key}' failed: {ex.GetType().Name}: {Scrub(ex.Message)}");
        }
    }

    /// <summary>Null when <paramref name="percent"/> is 0–100, else why not.</summary>
    private protected static string? PercentProblem(int percent) =>
        percent is >= 0 and <= 100 ? null : $"The rollout percentage must be between 0 and 100 (was {percent}); nothing was sent.";

    /// <summary>A failed write, described from the provider's answer (status and a scrubbed excerpt).</summary>
    private protected RolloutWriteResult RolloutFailed(HttpCallResult result, int attempts, string what) =>
        new(false, Describe(result, attempts, what), null);

    /// <summary>
    /// The result of a write the provider accepted: the flag is read again for <see cref="RolloutWriteResult.After"/>.
    /// A failed read-back still reports the write as done (it was), with the read's problem in the detail.
    /// </summary>
    private protected static async Task<RolloutWriteResult> ReadBackAsync(
        Func<CancellationToken, Task<FlagRolloutSnapshot>> capture, string detail, CancellationToken cancellationToken)
    {
        var after = await capture(cancellationToken).ConfigureAwait(false);
        return IsUnknown(after)
            ? new RolloutWriteResult(true, $"{detail} Reading it back failed ({after.Summary}).", null)
            : new RolloutWriteResult(true, $"{detail} Now: {after.Summary}.", after);
    }

    /// <summary>
    /// Sends <paramref name="read"/> and turns the answer into a snapshot with <paramref name="snapshotOf"/> (which
    /// throws <see cref="FormatException"/> or <see cref="JsonException"/> on a body it cannot understand); a failed
    /// read is an unknown snapshot naming <paramref name="what"/> and the provider's status.
    /// </summary>
    private protected async Task<FlagRolloutSnapshot> ReadSnapshotAsync(
        HttpClient http, HttpRequestMessage read, Func<string?, FlagRolloutSnapshot> snapshotOf, string what, CancellationToken cancellationToken)
    {
        HttpCallResult result;
        using (read)
        {
            result = await SendAsync(http, read, null, cancellationToken).ConfigureAwait(false);
        }

        return result.IsSuccess ? snapshotOf(result.Body) : UnknownSnapshot(Describe(result, 1, $"Reading {what} failed"));
    }

    /// <summary>Where one flag's rollout state is read and written, or null and why (nothing may be sent).</summary>
    private protected delegate RolloutEndpoint? RolloutEndpointOf(FlagBinding flag, out string problem);

    /// <summary>Capture through <paramref name="endpointOf"/>: one read, turned into a snapshot.</summary>
    private protected Task<FlagRolloutSnapshot> CaptureWithAsync(
        HttpClient http, FlagBinding flag, RolloutEndpointOf endpointOf, Func<string?, FlagRolloutSnapshot> snapshotOf, CancellationToken cancellationToken) =>
        CaptureGuardedAsync(flag, ct => endpointOf(flag, out var problem) is { } endpoint
            ? ReadSnapshotAsync(http, endpoint.Read(), snapshotOf, endpoint.What, ct)
            : Task.FromResult(UnknownSnapshot(problem)), cancellationToken);

    /// <summary>SetRollout through <paramref name="endpointOf"/>: <paramref name="edit"/> turns the current state into the new one.</summary>
    private protected Task<RolloutWriteResult> SetRolloutWithAsync(
        HttpClient http, FlagBinding flag, int percent, string reason, RolloutEndpointOf endpointOf,
        Func<string?, RolloutEdit> edit, Func<string?, FlagRolloutSnapshot> snapshotOf, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, $"set {percent}%", ct =>
            (PercentProblem(percent) is { } problem) || endpointOf(flag, out problem) is not { } endpoint
                ? Task.FromResult(new RolloutWriteResult(false, problem, null))
                : ReadEditWriteAsync(http, endpoint, edit, snapshotOf, reason, ct), cancellationToken);

    /// <summary>
    /// Restore through <paramref name="endpointOf"/>: writes the captured state unless <paramref name="unchanged"/>
    /// says the current one (the read's body) already equals it.
    /// </summary>
    private protected Task<RolloutWriteResult> RestoreWithAsync(
        HttpClient http, FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, RolloutEndpointOf endpointOf,
        Func<string?, JsonObject, bool> unchanged, Func<string?, FlagRolloutSnapshot> snapshotOf, CancellationToken cancellationToken) =>
        WriteGuardedAsync(flag, "restore", ct =>
            CapturedState(flag, preRelease, out var problem) is not { } captured || endpointOf(flag, out problem) is not { } endpoint
                ? Task.FromResult(new RolloutWriteResult(false, problem, null))
                : ReadEditWriteAsync(http, endpoint, current => new RolloutEdit(unchanged(current, captured) ? null : captured, "the captured state"), snapshotOf, reason, ct),
            cancellationToken);

    /// <summary>The captured state as JSON, or null and why it cannot be restored.</summary>
    private protected JsonObject? CapturedState(FlagBinding flag, FlagRolloutSnapshot preRelease, out string problem)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(preRelease);
        var captured = IsUnknown(preRelease) ? null : ParseObject(preRelease.State, "the captured state", out _);
        problem = captured is null
            ? $"Nothing to restore for {Provider} flag '{flag.Key}': the pre-release state is unknown ({preRelease.Summary})."
            : "";
        return captured;
    }

    /// <summary>
    /// One rollout write: reads the flag, lets <paramref name="edit"/> compute the new state (none when the flag
    /// already is as asked), writes it with retries and reads the flag back for <see cref="RolloutWriteResult.After"/>.
    /// </summary>
    private async Task<RolloutWriteResult> ReadEditWriteAsync(
        HttpClient http, RolloutEndpoint endpoint, Func<string?, RolloutEdit> edit, Func<string?, FlagRolloutSnapshot> snapshotOf, string reason,
        CancellationToken cancellationToken)
    {
        HttpCallResult current;
        using (var request = endpoint.Read())
        {
            current = await SendAsync(http, request, null, cancellationToken).ConfigureAwait(false);
        }

        if (!current.IsSuccess)
        {
            return RolloutFailed(current, 1, $"Reading {endpoint.What} failed");
        }

        var change = edit(current.Body);
        if (change.Problem is not null)
        {
            return new RolloutWriteResult(false, $"{endpoint.What} was not changed: {change.Problem}", null);
        }

        if (change.Update is null)
        {
            return new RolloutWriteResult(true, $"{endpoint.What} already was {change.Done}; nothing written.", snapshotOf(current.Body));
        }

        var attempts = new WriteAttempts();
        HttpCallResult written;
        using (var write = endpoint.Write(change.Update, reason))
        {
            written = await SendAsync(http, write, attempts, cancellationToken).ConfigureAwait(false);
        }

        return written.IsSuccess
            ? await ReadBackAsync(ct => ReadSnapshotAsync(http, endpoint.Read(), snapshotOf, endpoint.What, ct), $"{endpoint.What}: {change.Done}.", cancellationToken).ConfigureAwait(false)
            : RolloutFailed(written, attempts.Count, $"{endpoint.What} was not changed to {change.Done}");
    }

    /// <summary>
    /// A lowercase hex SHA-256 of <paramref name="parts"/> in canonical form (object keys in ordinal order, numbers
    /// without trailing zeros), so equal content gives an equal fingerprint whatever the provider's key order or
    /// number formatting.
    /// </summary>
    internal static string FingerprintOf(JsonNode? parts) => FlagRollouts.Fingerprint(parts);

    /// <summary>Parses <paramref name="json"/> as a JSON object, or null with <paramref name="problem"/>.</summary>
    private protected static JsonObject? ParseObject(string? json, string what, out string problem)
    {
        try
        {
            if (JsonNode.Parse(json ?? "") is JsonObject parsed)
            {
                problem = "";
                return parsed;
            }

            problem = $"{what} is not a JSON object";
        }
        catch (JsonException ex)
        {
            problem = $"{what} is not JSON: {ex.Message}";
        }

        return null;
    }

    /// <summary>A JSON number as a double, whether parsed or set in code as an int; null when it is not a number.</summary>
    private protected static double? NumberOf(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<decimal>(out var m) => (double)m,
        _ => null,
    };

    /// <summary>UTF-8 bytes of <paramref name="node"/> as compact JSON.</summary>
    private protected static byte[] JsonBytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    /// <summary>"10%" with the invariant culture.</summary>
    private protected static string PercentWords(double percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + "%";

}

/// <summary>Where a flag's rollout state is read (<see cref="Read"/>) and written (<see cref="Write"/>, given the new state and the reason), and how to name it.</summary>
internal sealed record RolloutEndpoint(string What, Func<HttpRequestMessage> Read, Func<JsonObject, string, HttpRequestMessage> Write);

/// <summary>The state a rollout writes (null: the flag already is as asked), what it does in words, or why it cannot be made.</summary>
internal sealed record RolloutEdit(JsonObject? Update, string Done, string? Problem = null)
{
    public static RolloutEdit Refused(string problem) => new(null, "", problem);
}
