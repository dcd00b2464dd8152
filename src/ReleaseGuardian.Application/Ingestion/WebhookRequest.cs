namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// An inbound webhook delivery as both hosts hand it to the parsers: the raw bytes (signatures are
/// computed over them), the headers and the query, all host-neutral.
/// </summary>
/// <param name="Body">The raw request body, exactly as received.</param>
/// <param name="Headers">Request headers; look-ups ignore case.</param>
/// <param name="Query">Query parameters; look-ups ignore case.</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
public sealed record WebhookRequest(
    ReadOnlyMemory<byte> Body,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Query,
    string? ContentType)
{
    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Lookup(Headers, name);

    /// <summary>A query parameter's value, or null.</summary>
    public string? QueryValue(string name) => Lookup(Query, name);

    private static string? Lookup(IReadOnlyDictionary<string, string> values, string name)
    {
        if (values.TryGetValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in values)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
