using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Building blocks of PartitionKey and RowKey values. Keys may not contain <c>/ \ # ?</c> or control characters,
/// and we use <c>|</c> as the separator and <c>~</c> as the "after every time row" prefix, so text is
/// percent-escaped before it goes into a key.
/// </summary>
internal static class KeyText
{
    /// <summary>The longest escaped segment kept verbatim; longer ones are shortened with a hash (keys max 1 KiB).</summary>
    private const int MaxSegment = 240;

    /// <summary>Percent-escapes the characters keys forbid plus <c>%</c> and <c>|</c>; reversible.</summary>
    public static string Escape(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var bad = c is '/' or '\\' or '#' or '?' or '%' or '|' || char.IsControl(c);
            if (bad)
            {
                sb ??= new StringBuilder(text.Length + 8).Append(text, 0, i);
                sb.Append('%').Append(((int)c).ToString(c <= 0xFF ? "X2" : "X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>An escaped key segment, shortened with a hash of the original text when it is very long.</summary>
    public static string Segment(string text)
    {
        var escaped = Escape(text);
        return escaped.Length <= MaxSegment ? escaped : escaped[..(MaxSegment - 17)] + "~" + Hash(text, 16);
    }

    /// <summary>Ticks counted down from <see cref="DateTimeOffset.MaxValue"/>, 19 digits: later times sort first.</summary>
    public static string Inverted(DateTimeOffset time) => InvertedTicks(time.UtcTicks);

    /// <summary>The inverted form of <paramref name="utcTicks"/>.</summary>
    public static string InvertedTicks(long utcTicks) =>
        (DateTimeOffset.MaxValue.UtcTicks - utcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The first <paramref name="hexDigits"/> hex digits of the SHA-256 of the text.</summary>
    public static string Hash(string text, int hexDigits = 8)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return Convert.ToHexStringLower(digest)[..hexDigits];
    }

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/> ending in '|'.</summary>
    public static string AfterPrefix(string prefixEndingInBar) => prefixEndingInBar[..^1] + "}";
}
