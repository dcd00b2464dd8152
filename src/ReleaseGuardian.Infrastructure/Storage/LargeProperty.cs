using System.IO.Compression;
using System.Text;
using Azure.Data.Tables;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Text larger than one property holds. A string property holds 64 KiB of UTF-16 (32 K chars), a binary one
/// 64 KiB, an entity 1 MiB. JSON text is split into 30,000-char string chunks (<c>Name</c>, <c>Name_1</c>, ...,
/// count in <c>NameChunks</c>); raw payloads are gzip-compressed UTF-8 split into 64,000-byte binary chunks
/// (<c>Name_0</c>, ..., <c>NameChunks</c>, <c>NameLength</c>), which keeps payloads of several MiB of JSON within
/// the entity limit. The count is always written so a merge that shrinks a value leaves stale chunks unread.
/// </summary>
internal static class LargeProperty
{
    public const int TextChunkChars = 30_000;
    public const int BinaryChunkBytes = 64_000;

    /// <summary>Compressed payloads above this are not kept (the entity's other properties need room too).</summary>
    public const int MaxCompressedBytes = 900_000;

    public static void WriteText(TableEntity entity, string name, string? text)
    {
        if (text is null)
        {
            entity[name + "Chunks"] = 0;
            return;
        }

        var chunks = Math.Max(1, (text.Length + TextChunkChars - 1) / TextChunkChars);
        for (var i = 0; i < chunks; i++)
        {
            var start = i * TextChunkChars;
            var part = text.Substring(start, Math.Min(TextChunkChars, text.Length - start));
            entity[i == 0 ? name : $"{name}_{i}"] = part;
        }

        entity[name + "Chunks"] = chunks;
    }

    public static string? ReadText(TableEntity entity, string name)
    {
        var chunks = entity.GetInt32(name + "Chunks") ?? (entity.ContainsKey(name) ? 1 : 0);
        if (chunks == 0)
        {
            return null;
        }

        if (chunks == 1)
        {
            return entity.GetString(name) ?? "";
        }

        var sb = new StringBuilder(chunks * TextChunkChars);
        for (var i = 0; i < chunks; i++)
        {
            sb.Append(entity.GetString(i == 0 ? name : $"{name}_{i}")
                ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} lacks chunk {i} of {name}."));
        }

        return sb.ToString();
    }

    /// <summary>Writes compressed text; returns false (and writes only a marker) when it is too large to keep.</summary>
    public static bool WriteCompressed(TableEntity entity, string name, string? text)
    {
        if (text is null)
        {
            return true;
        }

        var utf8 = Encoding.UTF8.GetBytes(text);
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(utf8);
        }

        entity[name + "Length"] = utf8.Length;
        if (buffer.Length > MaxCompressedBytes)
        {
            entity[name + "Omitted"] = true;
            return false;
        }

        var compressed = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var chunks = (compressed.Length + BinaryChunkBytes - 1) / BinaryChunkBytes;
        for (var i = 0; i < chunks; i++)
        {
            var start = i * BinaryChunkBytes;
            entity[$"{name}_{i}"] = compressed.Slice(start, Math.Min(BinaryChunkBytes, compressed.Length - start)).ToArray();
        }

        entity[name + "Chunks"] = chunks;
        return true;
    }

    public static string? ReadCompressed(TableEntity entity, string name)
    {
        var chunks = entity.GetInt32(name + "Chunks") ?? 0;
        if (chunks == 0)
        {
            return null;
        }

        using var compressed = new MemoryStream();
        for (var i = 0; i < chunks; i++)
        {
            var part = entity.GetBinary($"{name}_{i}")
                ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} lacks chunk {i} of {name}.");
            compressed.Write(part);
        }

        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
