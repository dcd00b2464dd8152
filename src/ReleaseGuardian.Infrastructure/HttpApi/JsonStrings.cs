using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// Finds a JSON string (value or property name) that cannot be decoded (invalid UTF-8 inside it, or) a lone UTF-16 surrogate escape such as
/// <c>"\ud800"</c> is valid UTF-8 on the wire, passes every byte check, and only throws when a parser later asks for
/// the string (<see cref="Utf8JsonReader.GetString"/> throws <see cref="InvalidOperationException"/>). Checking once,
/// where the body enters, turns that into a 400 naming the field for every route of both hosts.
/// </summary>
public static class JsonStrings
{
    // As lenient as any parser behind the routes, so nothing they would read slips past unchecked.
    private static readonly JsonReaderOptions Lenient = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 256,
    };

    /// <summary>The problem that names a string found by <see cref="FindUndecodable"/>.</summary>
    public static ReleaseGuardian.Application.Ingestion.IngestProblem Undecodable(string field) =>
        ReleaseGuardian.Application.Ingestion.IngestProblem.Malformed(field,
            "is not valid Unicode text: a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair) or invalid UTF-8");

    /// <summary>
    /// The JSON path of the first string that does not decode (for a property name, the path of its object; <c>$</c>
    /// is the root), or null when every string decodes or the body is not JSON (its own parser reports that).
    /// </summary>
    public static string? FindUndecodable(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, Lenient);
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (!Decodes(ref reader, out var name))
                        {
                            return PathOf(frames, frames.Count);
                        }

                        frames[^1] = frames[^1] with { Name = name };
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(frames);
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, -1, null));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.String:
                        Advance(frames);
                        if (!Decodes(ref reader, out _))
                        {
                            return PathOf(frames, frames.Count, value: true);
                        }

                        break;
                    default:
                        Advance(frames);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (or too deep): nothing here can decode it, so nothing behind it will ask for a string.
        }

        return null;
    }

    // The reader does not validate UTF-8 inside strings either; GetString would throw on that too.
    private static bool Decodes(ref Utf8JsonReader reader, out string? text)
    {
        if (!reader.ValueIsEscaped && reader.TokenType == JsonTokenType.String)
        {
            text = null;
            return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            text = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static void Advance(List<Frame> frames)
    {
        if (frames.Count > 0 && frames[^1].IsArray)
        {
            frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
        }
    }

    // A value's path includes the innermost frame's member; a property name's path stops at its object.
    private static string PathOf(List<Frame> frames, int count, bool value = false)
    {
        var path = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var frame = frames[i];
            if (!value && i == count - 1)
            {
                break;
            }

            if (frame.IsArray)
            {
                path.Append('[').Append(frame.Index).Append(']');
            }
            else
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(frame.Name);
            }
        }

        return path.Length == 0 ? "$" : path.ToString();
    }

    private sealed record Frame(bool IsArray, int Index, string? Name);
}
