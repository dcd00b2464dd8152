using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Restores one flag in a GO Feature Flag flag file: <c>disable: true</c> to restore "off",
/// <c>disable: false</c> to restore "on", and <c>defaultRule.variation</c> when a variant is given.
/// JSON is parsed and rewritten (other flags and properties kept). YAML is edited line by line, touching
/// only the flag's <c>disable:</c> line (added under the flag when absent) and its
/// <c>defaultRule:</c> → <c>variation:</c> line, so comments and layout survive; anything it cannot edit
/// that way (flow-style maps, a percentage default rule) is refused with the path named.
/// </summary>
internal static partial class GoFeatureFlagFileEdit
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public enum Format
    {
        Json,
        Yaml,
        Unsupported,
    }

    public static Format FormatOf(string path, string content)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".json" => Format.Json,
            ".yaml" or ".yml" => Format.Yaml,
            ".toml" => Format.Unsupported,
            _ => content.TrimStart().StartsWith('{') ? Format.Json : Format.Yaml,
        };
    }

    public static bool TryApplyJson(string document, string flagKey, FlagState restoreTo, out string edited, out string problem)
    {
        edited = "";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(document) as JsonObject ?? throw new FormatException("the file is not a JSON object");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // The parser's message quotes the offending byte; a problem never carries file content.
            problem = ex is JsonException { LineNumber: { } line } ? $"the flag file is not valid JSON (line {line + 1})" : "the flag file is not valid JSON";
            return false;
        }

        if (root[flagKey] is not JsonObject flag)
        {
            problem = $"{flagKey}: no such flag";
            return false;
        }

        if (restoreTo.Variant is { } variant)
        {
            if (flag["variations"] is not JsonObject variations || !variations.ContainsKey(variant))
            {
                problem = $"{flagKey}.variations: has no variation '{variant}'";
                return false;
            }

            if (flag["defaultRule"] is JsonObject rule)
            {
                // The previous state served one variation to everyone; a rollout on top would not restore it.
                rule.Remove("percentage");
                rule.Remove("progressiveRollout");
                rule["variation"] = variant;
            }
            else
            {
                flag["defaultRule"] = new JsonObject { ["variation"] = variant };
            }
        }

        if (restoreTo.Enabled is { } enabled)
        {
            flag["disable"] = !enabled;
        }

        edited = root.ToJsonString(Indented) + (document.EndsWith('\n') ? "\n" : "");
        problem = "";
        return true;
    }

    public static bool TryApplyYaml(string document, string flagKey, FlagState restoreTo, out string edited, out string problem)
    {
        edited = "";
        var newline = document.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = document.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        var start = lines.FindIndex(l => Indent(l) == 0 && TryParseKey(l, out var key, out _) && key == flagKey);
        if (start < 0)
        {
            problem = $"{flagKey}: no top-level key '{flagKey}' in the YAML file";
            return false;
        }

        if (TryParseKey(lines[start], out _, out var inline) && inline.Length > 0)
        {
            problem = $"{flagKey}: written as a flow map on one line; edit it by hand";
            return false;
        }

        var end = BlockEnd(lines, start, 0);
        var childIndent = -1;
        for (var i = start + 1; i < end; i++)
        {
            if (IsContent(lines[i]))
            {
                childIndent = Indent(lines[i]);
                break;
            }
        }

        if (childIndent <= 0)
        {
            problem = $"{flagKey}: the flag has no properties";
            return false;
        }

        if (restoreTo.Variant is { } variant)
        {
            var rule = FindKey(lines, start + 1, end, childIndent, "defaultRule");
            if (rule < 0)
            {
                problem = $"{flagKey}.defaultRule: missing";
                return false;
            }

            TryParseKey(lines[rule], out _, out var ruleInline);
            if (ruleInline.Length > 0)
            {
                problem = $"{flagKey}.defaultRule: written as a flow map on one line; edit it by hand";
                return false;
            }

            var ruleEnd = BlockEnd(lines, rule, childIndent);
            var ruleIndent = -1;
            for (var i = rule + 1; i < ruleEnd; i++)
            {
                if (IsContent(lines[i]))
                {
                    ruleIndent = Indent(lines[i]);
                    break;
                }
            }

            var variation = ruleIndent < 0 ? -1 : FindKey(lines, rule + 1, ruleEnd, ruleIndent, "variation");
            if (variation < 0)
            {
                problem = $"{flagKey}.defaultRule.variation: missing (the default rule is a percentage or progressive rollout); edit it by hand";
                return false;
            }

            lines[variation] = WithValue(lines[variation], DoubleQuoted(variant));
        }

        if (restoreTo.Enabled is { } enabled)
        {
            var value = enabled ? "false" : "true";
            var disable = FindKey(lines, start + 1, end, childIndent, "disable");
            if (disable >= 0)
            {
                lines[disable] = WithValue(lines[disable], value);
            }
            else
            {
                lines.Insert(start + 1, new string(' ', childIndent) + "disable: " + value);
            }
        }

        edited = string.Join(newline, lines);
        problem = "";
        return true;
    }

    private static int Indent(string line)
    {
        var n = 0;
        while (n < line.Length && line[n] == ' ')
        {
            n++;
        }

        return n;
    }

    private static bool IsContent(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.Length > 0 && !trimmed.StartsWith('#');
    }

    /// <summary>The first line after <paramref name="start"/> that is content at <paramref name="indent"/> or less (or a document marker).</summary>
    private static int BlockEnd(List<string> lines, int start, int indent)
    {
        for (var i = start + 1; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("---", StringComparison.Ordinal) || lines[i].StartsWith("...", StringComparison.Ordinal))
            {
                return i;
            }

            if (IsContent(lines[i]) && Indent(lines[i]) <= indent)
            {
                return i;
            }
        }

        return lines.Count;
    }

    private static int FindKey(List<string> lines, int from, int to, int indent, string name)
    {
        for (var i = from; i < to; i++)
        {
            if (IsContent(lines[i]) && Indent(lines[i]) == indent && TryParseKey(lines[i], out var key, out _) && key == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Splits <c>  key: value # comment</c> into the key (unquoted) and the value without its comment.</summary>
    private static bool TryParseKey(string line, out string key, out string value)
    {
        key = "";
        value = "";
        var content = line.TrimStart();
        int colon;
        if (content.Length > 0 && content[0] is '"' or '\'')
        {
            var close = content.IndexOf(content[0], 1);
            if (close < 0 || close + 1 >= content.Length || content[close + 1] != ':')
            {
                return false;
            }

            key = content[1..close];
            colon = close + 1;
        }
        else
        {
            colon = content.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || (colon + 1 < content.Length && content[colon + 1] != ' '))
            {
                return false;
            }

            key = content[..colon].TrimEnd();
        }

        value = StripComment(content[(colon + 1)..]).Trim();
        return true;
    }

    private static string StripComment(string value)
    {
        var hash = value.IndexOf(" #", StringComparison.Ordinal);
        return hash < 0 ? value : value[..hash];
    }

    /// <summary>Replaces the value of a <c>key: value</c> line, keeping its indentation, key and trailing comment.</summary>
    private static string WithValue(string line, string value)
    {
        var indent = Indent(line);
        var content = line[indent..];
        var colon = content[0] is '"' or '\'' ? content.IndexOf(content[0], 1) + 1 : content.IndexOf(':', StringComparison.Ordinal);
        var rest = content[(colon + 1)..];
        var hash = rest.IndexOf(" #", StringComparison.Ordinal);
        var comment = hash < 0 ? "" : " " + rest[hash..].Trim();
        return line[..(indent + colon + 1)] + " " + value + comment;
    }

    private static string DoubleQuoted(string value)
    {
        var escaped = new StringBuilder("\"");
        foreach (var c in value)
        {
            escaped.Append(c switch { '"' => "\\\"", '\\' => "\\\\", _ => c.ToString() });
        }

        return escaped.Append('"').ToString();
    }
}
