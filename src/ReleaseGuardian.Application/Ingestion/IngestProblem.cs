namespace ReleaseGuardian.Application.Ingestion;

/// <summary>Why an inbound delivery was rejected; each kind maps to one HTTP status (DESIGN.md §4).</summary>
public enum IngestFailure
{
    /// <summary>400: the body or a parameter is malformed.</summary>
    Malformed,

    /// <summary>401: the signature or shared secret is missing or wrong, or the timestamp is stale.</summary>
    Unauthorized,

    /// <summary>404: unknown provider, tool or guardian.</summary>
    NotFound,

    /// <summary>413: the body is larger than the limit.</summary>
    TooLarge,

    /// <summary>415: the media type is not one this endpoint takes.</summary>
    UnsupportedMediaType,
}

/// <summary>
/// A rejection that names the field at fault, e.g. <c>("accesses[0].resource", "must look like proj/{p}:env/{e}:flag/{key}")</c>.
/// Hosts render it as RFC 7807 problem+json. The detail never contains secrets or signatures.
/// </summary>
/// <param name="Kind">What kind of rejection, hence the HTTP status.</param>
/// <param name="Field">The field, header or parameter at fault (JSON path for body fields, the header's name for headers).</param>
/// <param name="Detail">What was wrong, in plain words.</param>
public sealed record IngestProblem(IngestFailure Kind, string Field, string Detail)
{
    /// <summary>The HTTP status this problem answers with.</summary>
    public int StatusCode => Kind switch
    {
        IngestFailure.Malformed => 400,
        IngestFailure.Unauthorized => 401,
        IngestFailure.NotFound => 404,
        IngestFailure.TooLarge => 413,
        IngestFailure.UnsupportedMediaType => 415,
        _ => 400,
    };

    /// <summary>A 400 naming <paramref name="field"/>.</summary>
    public static IngestProblem Malformed(string field, string detail) => new(IngestFailure.Malformed, field, detail);

    /// <summary>A 401 naming <paramref name="field"/>.</summary>
    public static IngestProblem Unauthorized(string field, string detail) => new(IngestFailure.Unauthorized, field, detail);
}
