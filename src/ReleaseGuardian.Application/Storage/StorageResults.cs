namespace ReleaseGuardian.Application.Storage;

/// <summary>The precondition a write is made under (HTTP <c>If-Match</c> / <c>If-None-Match: *</c> semantics).</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(WriteConditionKind kind, string? etag)
    {
        Kind = kind;
        ETag = etag;
    }

    /// <summary>Which precondition applies.</summary>
    public WriteConditionKind Kind { get; }

    /// <summary>The expected ETag, for <see cref="WriteConditionKind.IfMatch"/>.</summary>
    public string? ETag { get; }

    /// <summary>Write whatever is there (create or replace).</summary>
    public static WriteCondition None => new(WriteConditionKind.None, null);

    /// <summary>Create only; a conflict when the item already exists (<c>If-None-Match: *</c>).</summary>
    public static WriteCondition IfNotExists => new(WriteConditionKind.IfNotExists, null);

    /// <summary>Replace only the version that carries <paramref name="etag"/>; a conflict when it changed since.</summary>
    /// <param name="etag">The ETag the caller read.</param>
    public static WriteCondition IfMatch(string etag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(etag);
        return new(WriteConditionKind.IfMatch, etag);
    }
}

/// <summary>The kinds of <see cref="WriteCondition"/>.</summary>
public enum WriteConditionKind
{
    /// <summary>No precondition.</summary>
    None,

    /// <summary>Create only.</summary>
    IfNotExists,

    /// <summary>Replace only the expected version.</summary>
    IfMatch,
}

/// <summary>What a write did.</summary>
public enum WriteOutcome
{
    /// <summary>The item did not exist and was created.</summary>
    Created,

    /// <summary>The item existed and was replaced or updated.</summary>
    Updated,

    /// <summary>Written without a precondition; whether it existed before is not known (it cost no read to find out).</summary>
    Written,

    /// <summary>The item was deleted.</summary>
    Deleted,

    /// <summary>The precondition failed: it exists (create-only) or it changed since the given ETag (409/412).</summary>
    Conflict,

    /// <summary>There is no such item.</summary>
    NotFound,
}

/// <summary>The result of a write: what happened and the item's new ETag when it was stored.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="ETag">The new version's ETag for <see cref="WriteOutcome.Created"/>, <see cref="WriteOutcome.Updated"/>
/// and <see cref="WriteOutcome.Written"/>; null otherwise.</param>
public sealed record WriteResult(WriteOutcome Outcome, string? ETag = null)
{
    /// <summary>True when the write took effect.</summary>
    public bool Succeeded => Outcome is WriteOutcome.Created or WriteOutcome.Updated or WriteOutcome.Written or WriteOutcome.Deleted;

    /// <summary>The precondition failed.</summary>
    public static WriteResult Conflict { get; } = new(WriteOutcome.Conflict);

    /// <summary>There is no such item.</summary>
    public static WriteResult NotFound { get; } = new(WriteOutcome.NotFound);

    /// <summary>The item was deleted.</summary>
    public static WriteResult Deleted { get; } = new(WriteOutcome.Deleted);
}

/// <summary>One page of a newest-first listing.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items of this page, in listing order.</param>
/// <param name="Continuation">An opaque token for the next page; null when this is the last page.</param>
public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? Continuation);

/// <summary>
/// Thrown when a continuation token was not produced by the listing it is handed back to. Hosts answer 400
/// naming <see cref="Field"/> (the query parameter).
/// </summary>
public sealed class InvalidContinuationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidContinuationException()
        : this("continuation", "is not a token this listing produced")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was wrong.</param>
    public InvalidContinuationException(string message)
        : this("continuation", message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidContinuationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "continuation";
    }

    /// <summary>Creates the exception for a named field.</summary>
    /// <param name="field">The parameter that carried the token.</param>
    /// <param name="detail">What was wrong.</param>
    public InvalidContinuationException(string field, string detail)
        : base($"{field}: {detail}")
    {
        Field = field;
    }

    /// <summary>The parameter that carried the token.</summary>
    public string Field { get; }
}
