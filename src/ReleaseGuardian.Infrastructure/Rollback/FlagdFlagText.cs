using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// One flag's object inside a flagd flag-definition document, handled as text: a release replaces exactly the bytes
/// of <c>flags.&lt;key&gt;</c> and nothing else, so a restore puts the file back byte for byte (formatting, comments,
/// other flags and <c>$evaluators</c> included). Rollout writes use flagd's fractional targeting
/// (<c>{"fractional":[["on",10],["off",90]]}</c>, the shorthand form of flagd-schemas json/targeting.json:
/// variant/weight pairs summing to 100, bucketed by flagKey + targetingKey).
/// </summary>
internal static class FlagdFlagText
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Finds the value of <c>flags.&lt;key&gt;</c>: its start and length in <paramref name="document"/> (UTF-8 bytes).
    /// On failure <paramref name="problem"/> names the JSON path, never the file's content.
    /// </summary>
    public static bool TryLocate(ReadOnlySpan<byte> document, string key, out int start, out int length, out string problem)
    {
        start = length = 0;
        var offset = document.StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            var reader = new Utf8JsonReader(document[offset..], new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the flag definition is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFlags = reader.ValueTextEquals("flags"u8);
                reader.Read();
                if (!isFlags)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    problem = "flags: not an object";
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isKey = reader.ValueTextEquals(key);
                    reader.Read();
                    if (isKey)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            problem = $"flags.{key}: not an object";
                            return false;
                        }

                        start = offset + (int)reader.TokenStartIndex;
                        reader.Skip();
                        length = offset + (int)reader.BytesConsumed - start;
                        problem = "";
                        return true;
                    }

                    reader.Skip();
                }

                problem = $"flags.{key}: no such flag";
                return false;
            }

            problem = "flags: missing";
            return false;
        }
        catch (JsonException ex)
        {
            problem = $"the flag definition is not valid JSON (line {(ex.LineNumber ?? 0) + 1})";
            return false;
        }
        catch (InvalidOperationException)
        {
            problem = "the flag definition holds text that is not valid Unicode";
            return false;
        }
    }

    /// <summary><paramref name="document"/> with the flag's bytes at <paramref name="start"/> replaced by <paramref name="flagText"/>.</summary>
    public static byte[] Splice(byte[] document, int start, int length, string flagText)
    {
        var replacement = Encoding.UTF8.GetBytes(flagText);
        var result = new byte[document.Length - length + replacement.Length];
        document.AsSpan(0, start).CopyTo(result);
        replacement.CopyTo(result, start);
        document.AsSpan(start + length).CopyTo(result.AsSpan(start + replacement.Length));
        return result;
    }

    /// <summary>The flag object of <paramref name="flagText"/>, or null when it is not one.</summary>
    public static JsonObject? Read(string flagText)
    {
        try
        {
            return JsonNode.Parse(flagText, documentOptions: Lenient) as JsonObject;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The variant a release rolls out: <paramref name="wanted"/> when the flag has it, else (null) the variant named
    /// <c>on</c>, else the first whose value is <c>true</c>; null (with <paramref name="problem"/>) when there is none.
    /// </summary>
    public static string? RolledOutVariant(JsonObject flag, string? wanted, out string problem)
    {
        problem = "";
        if (flag["variants"] is not JsonObject variants || variants.Count == 0)
        {
            problem = "has no variants";
            return null;
        }

        if (wanted is not null)
        {
            if (variants.ContainsKey(wanted))
            {
                return wanted;
            }

            problem = $"has no variant '{wanted}' (it has {string.Join(", ", variants.Select(v => $"'{v.Key}'"))})";
            return null;
        }

        if (variants.ContainsKey("on"))
        {
            return "on";
        }

        foreach (var (name, value) in variants)
        {
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.True)
            {
                return name;
            }
        }

        problem = "has no variant named 'on' and none whose value is true; name the variant to roll out in the plan's \"variant\"";
        return null;
    }

    /// <summary>The flag's default variant, or null.</summary>
    public static string? DefaultVariant(JsonObject flag) =>
        flag["defaultVariant"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>
    /// The pre-release flag serving <paramref name="variant"/> to <paramref name="percent"/>% and the pre-release default
    /// variant to the rest, through fractional targeting, with state ENABLED; everything else of the flag is kept.
    /// </summary>
    public static string WithRollout(JsonObject preRelease, string variant, string defaultVariant, int percent)
    {
        var flag = (JsonObject)preRelease.DeepClone();
        flag["state"] = "ENABLED";
        flag["targeting"] = Fractional(variant, defaultVariant, percent);
        return flag.ToJsonString(Compact);
    }

    /// <summary><c>{"fractional":[[variant,p],[defaultVariant,100-p]]}</c>: two entries always, as the shorthand form requires.</summary>
    public static JsonObject Fractional(string variant, string defaultVariant, int percent)
    {
        if (percent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), "a rollout is 0 to 100");
        }

        return new JsonObject
        {
            ["fractional"] = new JsonArray(new JsonArray(variant, percent), new JsonArray(defaultVariant, 100 - percent)),
        };
    }

    /// <summary>
    /// The share of users the flag serves <paramref name="variant"/>: 0 or 100 without targeting (by its default variant
    /// and state), the variant's weight share under a top-level fractional, null for any other targeting.
    /// </summary>
    public static int? PercentServing(JsonObject flag, string? variant)
    {
        if (variant is null)
        {
            return null;
        }

        var enabled = flag["state"] is not JsonValue state || state.GetValueKind() != JsonValueKind.String || state.GetValue<string>() != "DISABLED";
        var targeting = flag["targeting"];
        if (targeting is null || targeting is JsonObject { Count: 0 })
        {
            return enabled && DefaultVariant(flag) == variant ? 100 : 0;
        }

        if (!enabled)
        {
            return 0;
        }

        if (targeting is not JsonObject { Count: 1 } rule || rule["fractional"] is not JsonArray entries)
        {
            return null;
        }

        double total = 0, serving = 0;
        foreach (var entry in entries)
        {
            if (entry is JsonArray { Count: 2 } pair && pair[0] is JsonValue name && name.GetValueKind() == JsonValueKind.String &&
                pair[1] is JsonValue weight && weight.GetValueKind() == JsonValueKind.Number)
            {
                var w = weight.GetValue<double>();
                total += w;
                if (name.GetValue<string>() == variant)
                {
                    serving += w;
                }
            }
        }

        return total > 0 ? (int)Math.Round(100 * serving / total, MidpointRounding.AwayFromZero) : null;
    }

    /// <summary>SHA-256 (hex) of the flag object written canonically: properties sorted, no whitespace, so formatting alone never changes it.</summary>
    public static string Fingerprint(JsonObject flag) => FlagRollouts.Fingerprint(flag);

    /// <summary>Plain words, e.g. <c>ENABLED, fractional 10% 'on' / 90% 'off'</c>.</summary>
    public static string Summary(JsonObject flag)
    {
        var state = flag["state"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : "ENABLED";
        var targeting = flag["targeting"];
        if (targeting is JsonObject { Count: 1 } rule && rule["fractional"] is JsonArray entries)
        {
            var parts = entries.OfType<JsonArray>()
                .Where(p => p.Count == 2 && p[0] is JsonValue && p[1] is JsonValue)
                .Select(p => $"{Number(p[1]!)}% '{p[0]}'");
            return $"{state}, fractional {string.Join(" / ", parts)}";
        }

        var rest = targeting is null || targeting is JsonObject { Count: 0 } ? "" : ", with targeting rules";
        return $"{state}, default '{DefaultVariant(flag) ?? "(none)"}'{rest}";
    }

    private static string Number(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>().ToString(CultureInfo.InvariantCulture) : "?";

}
