using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>
/// How a boolean flag evaluates for one user, the way flagd serves it.
/// </summary>
/// <param name="FlagKey">The flag.</param>
/// <param name="Value">The served value (false when the flag is disabled or cannot be read, the code default).</param>
/// <param name="Variant">The served variant, e.g. <c>on</c>; null when none was served.</param>
/// <param name="Reason">
/// flagd's reason: <c>STATIC</c> (the default variant, no targeting), <c>TARGETING_MATCH</c> (a fractional rule chose the
/// variant for this user), <c>DEFAULT</c> (the rule chose none, e.g. no targeting key: the default variant),
/// <c>DISABLED</c> or <c>ERROR</c>.
/// </param>
public sealed record FlagEvaluation(string FlagKey, bool Value, string? Variant, string Reason)
{
    /// <summary>The variant as telemetry and the demo show it (<c>off</c> when none was served).</summary>
    public string VariantOrDefault => Variant ?? "off";
}

/// <summary>
/// A flagd flag-definition file (<c>{"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}}}</c>):
/// creating one, evaluating a boolean flag in it, and switching its default variant the way a CI job edits
/// flagd's sync source (write a copy, rename it over the original, so a watcher never reads half a file).
/// </summary>
public static class FlagdFlagFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A flag file with one boolean flag, enabled, whose default variant is <c>on</c> or <c>off</c>.</summary>
    public static string Create(string flagKey, bool on)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://flagd.dev/schema/v0/flags.json",
            ["flags"] = new JsonObject
            {
                [flagKey] = new JsonObject
                {
                    ["state"] = "ENABLED",
                    ["variants"] = new JsonObject { ["on"] = true, ["off"] = false },
                    ["defaultVariant"] = on ? "on" : "off",
                },
            },
        };
        return root.ToJsonString(Indented) + "\n";
    }

    /// <summary>
    /// Evaluates <paramref name="flagKey"/> in a flag document for a user (the OpenFeature targeting key); throws
    /// <see cref="JsonException"/> when it is not JSON.
    /// </summary>
    public static FlagEvaluation Evaluate(string document, string flagKey, string? targetingKey = null) =>
        FlagdBooleanFlag.Parse(document, flagKey).Evaluate(targetingKey);

    /// <summary>Reads and evaluates the file.</summary>
    public static FlagEvaluation Read(string path, string flagKey) => Evaluate(File.ReadAllText(path), flagKey);

    /// <summary>Sets <c>flags.&lt;key&gt;.defaultVariant</c>, keeping everything else, and replaces the file in one rename.</summary>
    public static async Task SetDefaultVariantAsync(string path, string flagKey, string variant, CancellationToken cancellationToken)
    {
        var root = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken)) as JsonObject
                   ?? throw new InvalidDataException($"{path} is not a flagd flag file (not a JSON object)");
        if (root["flags"]?[flagKey] is not JsonObject flag)
        {
            throw new InvalidDataException($"{path}: flags.{flagKey} does not exist");
        }

        if (flag["variants"] is not JsonObject variants || !variants.ContainsKey(variant))
        {
            throw new InvalidDataException($"{path}: flags.{flagKey}.variants has no variant '{variant}'");
        }

        flag["defaultVariant"] = variant;
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(temporary, root.ToJsonString(Indented) + "\n", new UTF8Encoding(false), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
