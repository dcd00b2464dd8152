using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// The rollout edits of one flag in a GO Feature Flag file: read the flag (its exact text, and its content as JSON),
/// put a percentage on its <c>defaultRule</c>, and put its captured text back. Only the flag's own text changes:
/// YAML by its lines (comments and layout of everything else survive), JSON by splicing the flag's value, found with
/// the JSON reader, so the rest of the file keeps its bytes.
/// </summary>
internal static partial class GoFeatureFlagFileEdit
{
    /// <summary>The flag's text exactly as the file has it (YAML: its lines up to its last content line, "\n"-joined).</summary>
    public static bool TryReadFlagText(Format format, string document, string flagKey, out string text, out string problem)
    {
        text = "";
        if (format == Format.Json)
        {
            if (!TryFindJsonFlag(document, flagKey, out var start, out var length, out problem))
            {
                return false;
            }

            text = document.Substring(start, length);
            return true;
        }

        if (!TryFindYamlFlag(document, flagKey, out var lines, out var first, out var end, out problem))
        {
            return false;
        }

        text = string.Join('\n', lines.Skip(first).Take(end - first));
        return true;
    }

    /// <summary>The document with the flag's text replaced by <paramref name="text"/> (as <see cref="TryReadFlagText"/> gave it).</summary>
    public static bool TryReplaceFlagText(Format format, string document, string flagKey, string text, out string edited, out string problem)
    {
        edited = "";
        if (format == Format.Json)
        {
            if (!TryFindJsonFlag(document, flagKey, out var start, out var length, out problem))
            {
                return false;
            }

            edited = string.Concat(document.AsSpan(0, start), text, document.AsSpan(start + length));
            return true;
        }

        if (!TryFindYamlFlag(document, flagKey, out var lines, out var first, out var end, out problem))
        {
            return false;
        }

        lines.RemoveRange(first, end - first);
        lines.InsertRange(first, text.Split('\n'));
        edited = string.Join(NewlineOf(document), lines);
        return true;
    }

    /// <summary>The flag's content as JSON (YAML read with YamlDotNet: anchors, flow maps and quoting all understood).</summary>
    public static bool TryReadFlag(Format format, string document, string flagKey, out JsonObject flag, out string problem)
    {
        flag = new JsonObject();
        if (!TryReadFlagText(format, document, flagKey, out var text, out problem))
        {
            return false;
        }

        try
        {
            if (format == Format.Json)
            {
                flag = JsonNode.Parse(text) as JsonObject ?? throw new FormatException();
                return true;
            }

            // The whole document is read, so an alias in this flag finds its anchor elsewhere in the file.
            var yaml = new YamlStream();
            yaml.Load(new StringReader(document));
            var root = yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode as YamlMappingNode : null;
            if (root is null || !root.Children.TryGetValue(new YamlScalarNode(flagKey), out var node) || ToJson(node) is not JsonObject o)
            {
                problem = $"{flagKey}: not a mapping";
                return false;
            }

            flag = o;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or YamlException)
        {
            problem = $"{flagKey}: not a flag the YAML or JSON reader understands";
            return false;
        }
    }

    /// <summary>
    /// The document with the flag's <c>defaultRule</c> set to <c>percentage: {name: share, …}</c> (its <c>name</c> kept)
    /// and an existing <c>disable:</c> set to false. Everything else of the flag, targeting rules included, stays.
    /// </summary>
    public static bool TrySetDefaultPercentage(Format format, string document, string flagKey, IReadOnlyList<KeyValuePair<string, int>> shares, out string edited, out string problem)
    {
        edited = "";
        if (!TryReadFlag(format, document, flagKey, out var flag, out problem))
        {
            return false;
        }

        var ruleName = flag["defaultRule"]?["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String ? name.GetValue<string>() : null;
        if (format == Format.Json)
        {
            var percentageRule = new JsonObject();
            if (ruleName is not null)
            {
                percentageRule["name"] = ruleName;
            }

            percentageRule["percentage"] = new JsonObject(shares.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value)));
            flag["defaultRule"] = percentageRule;
            if (flag.ContainsKey("disable"))
            {
                flag["disable"] = false;
            }

            TryFindJsonFlag(document, flagKey, out var start, out var length, out _);
            var lineStart = document.LastIndexOf('\n', Math.Max(0, start - 1)) + 1;
            var indent = new string(' ', Indent(document[lineStart..start]));
            var text = flag.ToJsonString(Indented).Replace("\n", NewlineOf(document) + indent, StringComparison.Ordinal);
            return TryReplaceFlagText(format, document, flagKey, text, out edited, out problem);
        }

        TryFindYamlFlag(document, flagKey, out var lines, out var first, out var end, out _);
        var childIndent = Enumerable.Range(first + 1, end - first - 1).Select(i => lines[i]).Where(IsContent).Select(Indent).FirstOrDefault();
        if (childIndent <= 0)
        {
            problem = $"{flagKey}: the flag has no properties";
            return false;
        }

        var block = new List<string> { new string(' ', childIndent) + "defaultRule:" };
        if (ruleName is not null)
        {
            block.Add(new string(' ', 2 * childIndent) + "name: " + YamlKey(ruleName));
        }

        block.Add(new string(' ', 2 * childIndent) + "percentage:");
        block.AddRange(shares.Select(s => new string(' ', 3 * childIndent) + YamlKey(s.Key) + ": " + s.Value.ToString(CultureInfo.InvariantCulture)));

        var rule = FindKey(lines, first + 1, end, childIndent, "defaultRule");
        if (rule >= 0)
        {
            var ruleEnd = LastContent(lines, rule, BlockEnd(lines, rule, childIndent));
            lines.RemoveRange(rule, ruleEnd - rule);
            lines.InsertRange(rule, block);
            end += block.Count - (ruleEnd - rule);
        }
        else
        {
            lines.InsertRange(end, block);
            end += block.Count;
        }

        var disable = FindKey(lines, first + 1, end, childIndent, "disable");
        if (disable >= 0)
        {
            lines[disable] = WithValue(lines[disable], "false");
        }

        edited = string.Join(NewlineOf(document), lines);
        problem = "";
        return true;
    }

    private static bool TryFindYamlFlag(string document, string flagKey, out List<string> lines, out int first, out int end, out string problem)
    {
        lines = document.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        first = lines.FindIndex(l => Indent(l) == 0 && TryParseKey(l, out var key, out _) && key == flagKey);
        end = first;
        if (first < 0)
        {
            problem = $"{flagKey}: no top-level key '{flagKey}' in the YAML file";
            return false;
        }

        // Comments and blank lines before the next flag belong to the next flag, not to this one.
        end = LastContent(lines, first, BlockEnd(lines, first, 0));
        problem = "";
        return true;
    }

    /// <summary>One past the last content line of the block <paramref name="start"/>..<paramref name="end"/>.</summary>
    private static int LastContent(List<string> lines, int start, int end)
    {
        while (end > start + 1 && !IsContent(lines[end - 1]))
        {
            end--;
        }

        return end;
    }

    private static bool TryFindJsonFlag(string document, string flagKey, out int start, out int length, out string problem)
    {
        start = 0;
        length = 0;
        var bytes = Encoding.UTF8.GetBytes(document);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the flag file is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isFlag = reader.ValueTextEquals(flagKey);
                reader.Read();
                var from = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isFlag)
                {
                    var to = (int)reader.BytesConsumed;
                    start = Encoding.UTF8.GetCharCount(bytes, 0, from);
                    length = Encoding.UTF8.GetCharCount(bytes, from, to - from);
                    problem = "";
                    return true;
                }
            }

            problem = $"{flagKey}: no such flag";
            return false;
        }
        catch (JsonException ex)
        {
            problem = ex.LineNumber is { } line ? $"the flag file is not valid JSON (line {line + 1})" : "the flag file is not valid JSON";
            return false;
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "True" or "TRUE" } => true,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" or "False" or "FALSE" } => false,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" } => null,
        YamlScalarNode { Style: ScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        YamlScalarNode { Style: ScalarStyle.Plain } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        YamlScalarNode s => s.Value,
        _ => null,
    };

    // Words YAML 1.1 reads as booleans or null (True, no, off, ~ ...) are quoted, so a key stays a string everywhere.
    private static string YamlKey(string name) =>
        PlainYaml().IsMatch(name) && !YamlWords.Contains(name) ? name : DoubleQuoted(name);

    private static readonly HashSet<string> YamlWords = new(["true", "false", "yes", "no", "on", "off", "y", "n", "null"], StringComparer.OrdinalIgnoreCase);

    private static string NewlineOf(string document) => document.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex PlainYaml();
}
