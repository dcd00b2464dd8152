using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace ReleaseGuardian.Infrastructure.Tests.HttpApi;

/// <summary>
/// Damages a real JSON sample with one lone UTF-16 surrogate escape in one of its strings (a value or a property
/// name) and says which JSON path names it. Shared by the in-process check (10,000 per route) and the HTTP suite.
/// </summary>
public static class LoneSurrogates
{
    /// <summary>Escapes that never decode alone: high and low surrogates, and pairs in the wrong order or broken.</summary>
    public static readonly string[] Escapes = [@"\ud800", @"\uDBFF", @"\udc00", @"\uDFFF", @"\ude00\ud83d", @"\ud83d\u0041"];

    /// <summary>A damaged body and the path a 400 must name (for a property name, its object's path; <c>$</c> is the root).</summary>
    public static Gen<(byte[] Body, string Field)> Into(byte[] sample)
    {
        var strings = StringsOf(JsonNode.Parse(sample)!, "");
        return from index in Gen.Int[0, strings.Count - 1]
               from surrogate in Gen.OneOfConst(Escapes)
               from before in Gen.String[Gen.Char.AlphaNumeric, 0, 8]
               from after in Gen.String[Gen.Char.AlphaNumeric, 0, 8]
               select Damaged(sample, strings[index], before + surrogate + after);
    }

    private static List<(string Path, bool IsName, string OwnerPath, string Key)> StringsOf(JsonNode node, string path)
    {
        var found = new List<(string, bool, string, string)>();
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    var child = path.Length == 0 ? key : path + "." + key;
                    found.Add((path.Length == 0 ? "$" : path, true, o.GetPath(), key));
                    if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        found.Add((child, false, o.GetPath(), key));
                    }
                    else if (value is not null)
                    {
                        found.AddRange(StringsOf(value, child));
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    var child = $"{path}[{i}]";
                    if (a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        found.Add((child, false, a.GetPath(), i.ToString(CultureInfo.InvariantCulture)));
                    }
                    else if (a[i] is { } item)
                    {
                        found.AddRange(StringsOf(item, child));
                    }
                }

                break;
        }

        return found;
    }

    private static (byte[] Body, string Field) Damaged(byte[] sample, (string Path, bool IsName, string OwnerPath, string Key) target, string escaped)
    {
        // A fresh copy per sample: find the same place by path, put a marker there, then swap it for the raw escape.
        const string Marker = "@@lone-surrogate@@";
        var root = JsonNode.Parse(sample)!;
        var owner = Find(root, target.OwnerPath);
        if (target.IsName)
        {
            var o = (JsonObject)owner;
            var value = o[target.Key]?.DeepClone();
            o.Remove(target.Key);
            o[Marker] = value;
        }
        else if (owner is JsonArray a)
        {
            a[int.Parse(target.Key, CultureInfo.InvariantCulture)] = Marker;
        }
        else
        {
            ((JsonObject)owner)[target.Key] = Marker;
        }

        var text = root.ToJsonString().Replace(Marker, escaped, StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(text), target.Path);
    }

    // JsonNode.GetPath() gives "$.a.b[0]" or "$['odd.name']".
    private static JsonNode Find(JsonNode root, string path)
    {
        var node = root;
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                node = node[end < 0 ? path[(i + 1)..] : path[(i + 1)..end]]!;
                i = end < 0 ? path.Length : end;
            }
            else if (path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i, StringComparison.Ordinal);
                node = node[path[(i + 2)..end]]!;
                i = end + 2;
            }
            else
            {
                var end = path.IndexOf(']', i);
                node = node[int.Parse(path[(i + 1)..end], CultureInfo.InvariantCulture)]!;
                i = end + 1;
            }
        }

        return node;
    }
}
