using System.Text;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>Opaque continuation tokens: base64url of UTF-8 text.</summary>
internal static class Base64Url
{
    public static string Encode(string text) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    public static string? TryDecode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
