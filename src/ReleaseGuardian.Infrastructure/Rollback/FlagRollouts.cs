using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Releases;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// What the rollout clients (<see cref="IFlagRolloutClient"/> on the provider's rollback client) share: the
/// fingerprint digest, the guard that turns a provider failure into a <see cref="RolloutWriteResult"/> and the
/// percent check.
/// </summary>
internal static partial class FlagRollouts
{
    /// <summary>SHA-256 (hex) of <paramref name="node"/> written canonically: object keys sorted, no whitespace.</summary>
    public static string Fingerprint(JsonNode? node) => Fingerprint(Canonical(node));

    /// <summary>SHA-256 (hex) of <paramref name="text"/> as UTF-8.</summary>
    public static string Fingerprint(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// <paramref name="node"/> as JSON with every object's keys in ordinal order and numbers without trailing zeros, so
    /// equal content gives equal text whatever the provider's key order or number formatting.
    /// </summary>
    public static string Canonical(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCanonical(writer, node);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                // Values set in code are not backed by a JsonElement; a round trip through text gives one either way.
                using (var document = JsonDocument.Parse(node.ToJsonString()))
                {
                    var element = document.RootElement;
                    if (element.ValueKind == JsonValueKind.Number && element.TryGetDecimal(out var number))
                    {
                        // 10, 10.0 and 1E1 are the same percentage.
                        writer.WriteRawValue((number / 1.0000000000000000000000000000m).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        element.WriteTo(writer);
                    }
                }

                break;
        }
    }

    /// <summary>Throws when <paramref name="percent"/> is outside 0–100 (a caller's mistake, not a provider failure).</summary>
    public static void CheckPercent(int percent)
    {
        if (percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A rollout percentage is 0 to 100.");
        }
    }

    /// <summary>
    /// Runs one rollout write and logs it; a provider failure (including an unreadable read-back or a value that
    /// cannot be a URL segment) becomes Succeeded=false with <paramref name="what"/> and the scrubbed reason.
    /// Only cancellation propagates.
    /// </summary>
    public static async Task<RolloutWriteResult> GuardAsync(
        string provider, string flagKey, string what, ILogger logger, Func<string, string> scrub, Func<Task<RolloutWriteResult>> write, CancellationToken cancellationToken)
    {
        RolloutWriteResult result;
        try
        {
            result = await write().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (UnsafePathSegmentException ex)
        {
            result = new RolloutWriteResult(false, $"{what} was not sent: {ex.Message}.", null);
        }
        catch (FlagCaptureException ex)
        {
            result = new RolloutWriteResult(false, $"{what} failed: {ex.Message}", null);
        }
        catch (RolloutStepFailedException ex)
        {
            result = new RolloutWriteResult(false, ex.Message, null);
        }
#pragma warning disable CA1031 // The port promises a result, never a provider exception.
        catch (Exception ex) when (ex is not ArgumentOutOfRangeException)
#pragma warning restore CA1031
        {
            result = new RolloutWriteResult(false, $"{what} failed: {ex.GetType().Name}: {scrub(ex.Message)}", null);
        }

        if (result.Succeeded)
        {
            Written(logger, provider, flagKey, result.Detail);
        }
        else
        {
            WriteFailed(logger, provider, flagKey, result.Detail);
        }

        return result;
    }

    /// <summary>
    /// Runs one capture: a value that cannot be a URL segment or an unexpected failure becomes a
    /// <see cref="FlagCaptureException"/> with the scrubbed reason. Only cancellation propagates otherwise.
    /// </summary>
    public static async Task<FlagRolloutSnapshot> CaptureGuardAsync(
        string provider, string flagKey, Func<string, string> scrub, Func<Task<FlagRolloutSnapshot>> capture, CancellationToken cancellationToken)
    {
        try
        {
            return await capture().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (FlagCaptureException)
        {
            throw;
        }
        catch (UnsafePathSegmentException ex)
        {
            throw new FlagCaptureException($"{provider} flag '{flagKey}' was not read: {ex.Message}.");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FlagCaptureException($"{provider} flag '{flagKey}' could not be read: {ex.GetType().Name}: {scrub(ex.Message)}");
        }
    }

    /// <summary>
    /// The result of a write the provider accepted: the flag read back as <c>After</c>; a failed read-back still
    /// reports the write as done (it was), with why there is no <c>After</c>.
    /// </summary>
    public static async Task<RolloutWriteResult> ReadBackAsync(string what, Func<Task<FlagRolloutSnapshot>> read)
    {
        try
        {
            var after = await read().ConfigureAwait(false);
            return new RolloutWriteResult(true, $"{what} written; now {after.Summary}.", after);
        }
        catch (FlagCaptureException ex)
        {
            return new RolloutWriteResult(true, $"{what} written, but reading it back failed: {ex.Message}", null);
        }
    }

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Rollout write to {Provider} flag {FlagKey}: {Detail}")]
    private static partial void Written(ILogger logger, string provider, string flagKey, string detail);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "Rollout write to {Provider} flag {FlagKey} failed: {Detail}")]
    private static partial void WriteFailed(ILogger logger, string provider, string flagKey, string detail);
}

/// <summary>One call of a multi-call rollout write failed; the message (scrubbed) names the step and the answer.</summary>
internal sealed class RolloutStepFailedException(string message) : Exception(message);

/// <summary>Splitting a whole (100 percent, 100000 thousandths) between the rolled-out value and the rest.</summary>
internal static class RolloutShares
{
    /// <summary>
    /// Shares that give <paramref name="target"/> exactly <paramref name="targetShare"/> and divide the rest among the
    /// other keys of <paramref name="served"/> in their proportions, by largest remainder (ties to the smaller key), so
    /// the shares are whole numbers summing to exactly <paramref name="total"/>. When <paramref name="served"/> gives
    /// nothing to any other key, the rest goes to <paramref name="fallback"/>.
    /// </summary>
    public static Dictionary<TKey, int> Split<TKey>(IReadOnlyDictionary<TKey, long> served, TKey target, int targetShare, int total, TKey fallback, IComparer<TKey> order)
        where TKey : notnull
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetShare, total);
        var rest = total - targetShare;
        var others = served.Where(s => !EqualityComparer<TKey>.Default.Equals(s.Key, target) && s.Value > 0).OrderBy(s => s.Key, order).ToList();
        if (others.Count == 0)
        {
            others = [KeyValuePair.Create(fallback, 1L)];
        }

        var sum = others.Sum(o => o.Value);
        var shares = others.Select(o => (Key: o.Key, Floor: (int)((long)rest * o.Value / sum), Remainder: (long)rest * o.Value % sum)).ToList();
        var left = rest - shares.Sum(s => s.Floor);
        var result = new Dictionary<TKey, int> { [target] = targetShare };
        var rank = 0;
        foreach (var share in shares.OrderByDescending(s => s.Remainder).ThenBy(s => s.Key, order))
        {
            result[share.Key] = share.Floor + (rank++ < left ? 1 : 0);
        }

        return result;
    }
}
