using System.Globalization;
using System.Text.Json;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>
/// A boolean flag of a flagd flag file, read once and evaluated per user. Targeting the demo's service evaluates: none
/// (the default variant, <c>STATIC</c>), and a top-level <c>fractional</c> rule in the forms flagd accepts: the shorthand
/// <c>{"fractional":[["on",10],["off",90]]}</c> (what a release writes: bucketed by flag key + targeting key), a literal
/// bucketing string first, or <c>{"var":"targetingKey"}</c> first. Any other targeting rule is not evaluated here: the
/// flag answers <c>ERROR</c> and the code default (false), so a rule this service does not understand never silently
/// serves a variant.
/// </summary>
public sealed class FlagdBooleanFlag
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly IReadOnlyDictionary<string, bool> _variants;
    private readonly string? _defaultVariant;
    private readonly Bucketing _bucketing;
    private readonly string? _bucketingValue;
    private readonly string? _error;

    private FlagdBooleanFlag(
        string flagKey, bool enabled, IReadOnlyDictionary<string, bool> variants, string? defaultVariant,
        IReadOnlyList<FractionalBucket>? fractional, Bucketing bucketing, string? bucketingValue, string? error)
    {
        FlagKey = flagKey;
        Enabled = enabled;
        _variants = variants;
        _defaultVariant = defaultVariant;
        Fractional = fractional;
        _bucketing = bucketing;
        _bucketingValue = bucketingValue;
        _error = error;
    }

    private enum Bucketing
    {
        None,
        FlagKeyAndTargetingKey,
        TargetingKey,
        Literal,
    }

    /// <summary>The flag's key.</summary>
    public string FlagKey { get; }

    /// <summary>False when the flag's state is DISABLED.</summary>
    public bool Enabled { get; }

    /// <summary>The fractional rule's entries, in order; null when the flag has no fractional targeting.</summary>
    public IReadOnlyList<FractionalBucket>? Fractional { get; }

    /// <summary>Reads <paramref name="flagKey"/> from a flag document; throws <see cref="JsonException"/> when it is not JSON.</summary>
    public static FlagdBooleanFlag Parse(string document, string flagKey)
    {
        using var json = JsonDocument.Parse(document, Lenient);
        if (json.RootElement.ValueKind != JsonValueKind.Object
            || !json.RootElement.TryGetProperty("flags", out var flags) || flags.ValueKind != JsonValueKind.Object
            || !flags.TryGetProperty(flagKey, out var flag) || flag.ValueKind != JsonValueKind.Object)
        {
            return Broken(flagKey, $"flags.{flagKey}: no such flag");
        }

        var enabled = !(flag.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String && state.GetString() == "DISABLED");
        var variants = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (flag.TryGetProperty("variants", out var variantsJson) && variantsJson.ValueKind == JsonValueKind.Object)
        {
            foreach (var variant in variantsJson.EnumerateObject())
            {
                if (variant.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    variants[variant.Name] = variant.Value.GetBoolean();
                }
            }
        }

        var defaultVariant = flag.TryGetProperty("defaultVariant", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (defaultVariant is null || !variants.ContainsKey(defaultVariant))
        {
            return new FlagdBooleanFlag(flagKey, enabled, variants, null, null, Bucketing.None, null, $"flags.{flagKey}.defaultVariant is not a boolean variant");
        }

        if (!flag.TryGetProperty("targeting", out var targeting) || targeting.ValueKind == JsonValueKind.Null
            || (targeting.ValueKind == JsonValueKind.Object && !targeting.EnumerateObject().Any()))
        {
            return new FlagdBooleanFlag(flagKey, enabled, variants, defaultVariant, null, Bucketing.None, null, null);
        }

        return ReadFractional(targeting, out var buckets, out var bucketing, out var value) is { } problem
            ? new FlagdBooleanFlag(flagKey, enabled, variants, defaultVariant, null, Bucketing.None, null, $"flags.{flagKey}.targeting: {problem}")
            : new FlagdBooleanFlag(flagKey, enabled, variants, defaultVariant, buckets, bucketing, value, null);
    }

    /// <summary>The flag's value for the user whose targeting key is <paramref name="targetingKey"/> (null: no user).</summary>
    public FlagEvaluation Evaluate(string? targetingKey)
    {
        if (_error is not null || _defaultVariant is null)
        {
            return new FlagEvaluation(FlagKey, false, null, "ERROR");
        }

        if (!Enabled)
        {
            return new FlagEvaluation(FlagKey, false, null, "DISABLED");
        }

        if (Fractional is null)
        {
            return new FlagEvaluation(FlagKey, _variants[_defaultVariant], _defaultVariant, "STATIC");
        }

        var bucketingValue = _bucketing switch
        {
            Bucketing.Literal => _bucketingValue,
            Bucketing.TargetingKey => targetingKey,
            _ => targetingKey is null ? null : FlagdFractional.BucketingValue(FlagKey, targetingKey),
        };

        // flagd: a rule that chooses nothing (no value to bucket by, weights of 0) serves the default variant.
        if (bucketingValue is null || FlagdFractional.Variant(bucketingValue, Fractional) is not { } chosen)
        {
            return new FlagEvaluation(FlagKey, _variants[_defaultVariant], _defaultVariant, "DEFAULT");
        }

        return _variants.TryGetValue(chosen, out var value)
            ? new FlagEvaluation(FlagKey, value, chosen, "TARGETING_MATCH")
            : new FlagEvaluation(FlagKey, false, null, "ERROR");
    }

    /// <summary>
    /// The share of users (0-100) served <paramref name="variant"/>: 0 or 100 without targeting, the variant's share of
    /// the weights under a fractional rule; null when the flag cannot be evaluated.
    /// </summary>
    public double? PercentServing(string variant)
    {
        if (_error is not null || _defaultVariant is null)
        {
            return null;
        }

        if (!Enabled)
        {
            return 0;
        }

        if (Fractional is null)
        {
            return _defaultVariant == variant ? 100 : 0;
        }

        double total = Fractional.Sum(b => Math.Max(0, b.Weight));
        return total == 0
            ? (_defaultVariant == variant ? 100 : 0)
            : 100 * Fractional.Where(b => b.Variant == variant).Sum(b => Math.Max(0, b.Weight)) / total;
    }

    /// <summary>The flag in a few words, e.g. <c>'off'</c> or <c>fractional 10% 'on' / 90% 'off'</c>.</summary>
    public string Summary =>
        _error is not null ? $"unreadable ({_error})"
        : !Enabled ? "DISABLED"
        : Fractional is null ? $"'{_defaultVariant}'"
        : "fractional " + string.Join(" / ", Fractional.Select(b =>
            $"{(100.0 * b.Weight / Math.Max(1, Fractional.Sum(f => f.Weight))).ToString("0.#", CultureInfo.InvariantCulture)}% '{b.Variant}'"));

    private static FlagdBooleanFlag Broken(string flagKey, string error) =>
        new(flagKey, false, new Dictionary<string, bool>(), null, null, Bucketing.None, null, error);

    private static string? ReadFractional(JsonElement targeting, out List<FractionalBucket> buckets, out Bucketing bucketing, out string? literal)
    {
        buckets = [];
        bucketing = Bucketing.FlagKeyAndTargetingKey;
        literal = null;
        if (targeting.ValueKind != JsonValueKind.Object || targeting.EnumerateObject().Count() != 1
            || !targeting.TryGetProperty("fractional", out var rule) || rule.ValueKind != JsonValueKind.Array)
        {
            return "only a top-level fractional rule is evaluated by the demo's service";
        }

        var entries = rule.EnumerateArray().ToList();
        if (entries.Count > 0)
        {
            switch (entries[0].ValueKind)
            {
                case JsonValueKind.String:
                    (bucketing, literal) = (Bucketing.Literal, entries[0].GetString());
                    entries.RemoveAt(0);
                    break;
                case JsonValueKind.Object when IsTargetingKeyVar(entries[0]):
                    bucketing = Bucketing.TargetingKey;
                    entries.RemoveAt(0);
                    break;
                case JsonValueKind.Object:
                    return "the fractional rule buckets by an expression the demo's service does not evaluate (it knows {\"var\":\"targetingKey\"})";
                case JsonValueKind.Null:
                    entries.RemoveAt(0);
                    break;
            }
        }

        if (entries.Count == 0)
        {
            return "the fractional rule has no variants";
        }

        foreach (var entry in entries)
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() is 0 or > 2 || entry[0].ValueKind != JsonValueKind.String)
            {
                return "each fractional entry is [variant] or [variant, weight]";
            }

            var weight = 1;
            if (entry.GetArrayLength() == 2 && (entry[1].ValueKind != JsonValueKind.Number || !entry[1].TryGetInt32(out weight) || weight < 0))
            {
                return "a fractional weight is a whole number from 0";
            }

            buckets.Add(new FractionalBucket(entry[0].GetString()!, weight));
        }

        return null;
    }

    private static bool IsTargetingKeyVar(JsonElement expression)
    {
        if (!expression.TryGetProperty("var", out var name) || expression.EnumerateObject().Count() != 1)
        {
            return false;
        }

        return (name.ValueKind == JsonValueKind.String && name.GetString() == "targetingKey")
               || (name.ValueKind == JsonValueKind.Array && name.GetArrayLength() == 1 && name[0].ValueKind == JsonValueKind.String && name[0].GetString() == "targetingKey");
    }
}
