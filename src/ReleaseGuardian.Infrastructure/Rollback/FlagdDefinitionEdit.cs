using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Restores one flag in a flagd flag-definition document
/// (<c>{"flags":{"&lt;key&gt;":{"state":"ENABLED|DISABLED","variants":{..},"defaultVariant":".."}}}</c>):
/// <c>defaultVariant</c> when a variant is given (it must be one of the flag's variants) and <c>state</c> when
/// on/off is given. Every other flag and property, <c>$schema</c>, <c>$evaluators</c> and metadata included,
/// is kept as it was.
/// </summary>
internal static class FlagdDefinitionEdit
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Applies the restore; on failure <paramref name="problem"/> names the JSON path that is wrong.</summary>
    public static bool TryApply(string document, string flagKey, FlagState restoreTo, out string edited, out string changes, out string problem)
    {
        edited = "";
        changes = "";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(document, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new FormatException("the document is not a JSON object");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // The parser's message quotes the offending byte; a problem never carries file content.
            problem = ex is JsonException { LineNumber: { } line } ? $"the flag definition is not valid JSON (line {line + 1})" : "the flag definition is not valid JSON";
            return false;
        }

        if (root["flags"] is not JsonObject flags)
        {
            problem = "flags: missing or not an object";
            return false;
        }

        if (flags[flagKey] is not JsonObject flag)
        {
            problem = $"flags.{flagKey}: no such flag";
            return false;
        }

        var done = new List<string>();
        if (restoreTo.Variant is { } variant)
        {
            if (flag["variants"] is not JsonObject variants || !variants.ContainsKey(variant))
            {
                problem = $"flags.{flagKey}.variants: has no variant '{variant}'";
                return false;
            }

            flag["defaultVariant"] = variant;
            done.Add($"defaultVariant '{variant}'");
        }

        if (restoreTo.Enabled is { } enabled)
        {
            flag["state"] = enabled ? "ENABLED" : "DISABLED";
            done.Add($"state {(enabled ? "ENABLED" : "DISABLED")}");
        }

        edited = root.ToJsonString(Indented) + (document.EndsWith('\n') ? "\n" : "");
        changes = string.Join(", ", done);
        problem = "";
        return true;
    }
}
