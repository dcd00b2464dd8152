namespace ReleaseGuardian.Application.Storage;

/// <summary>
/// Guardian definitions, kept as their JSON text (the definition serializer lives elsewhere), with ETag
/// optimistic concurrency for <c>PUT /api/guardians/{id}</c> and <c>If-Match</c>.
/// </summary>
public interface IGuardianStore
{
    /// <summary>
    /// Creates or replaces a guardian. <see cref="WriteCondition.None"/> answers <see cref="WriteOutcome.Created"/> or
    /// <see cref="WriteOutcome.Updated"/> (so a PUT can answer 201 or 200); <see cref="WriteCondition.IfNotExists"/>
    /// answers <see cref="WriteOutcome.Conflict"/> when it exists; <see cref="WriteCondition.IfMatch"/> answers
    /// <see cref="WriteOutcome.Conflict"/> when it changed since, <see cref="WriteOutcome.NotFound"/> when it is gone.
    /// The creation time survives replacements.
    /// </summary>
    /// <param name="id">The guardian id.</param>
    /// <param name="definitionJson">The definition as JSON text.</param>
    /// <param name="condition">The precondition.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> PutAsync(string id, string definitionJson, WriteCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Reads one guardian; null when there is none.</summary>
    /// <param name="id">The guardian id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<StoredGuardian?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a guardian (its runs, events and notifications stay, as audit trail).
    /// Answers <see cref="WriteOutcome.Deleted"/>, <see cref="WriteOutcome.NotFound"/>, or
    /// <see cref="WriteOutcome.Conflict"/> when <paramref name="ifMatch"/> is given and it changed since.
    /// </summary>
    /// <param name="id">The guardian id.</param>
    /// <param name="ifMatch">The expected ETag, or null for any version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<WriteResult> DeleteAsync(string id, string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>Every guardian, ordered by id.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<StoredGuardian>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One page of guardians, ordered by id, and the token of the next page (null on the last).</summary>
    /// <param name="pageSize">At most this many (1-1000).</param>
    /// <param name="continuation">The token a previous page returned, or null for the first page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidContinuationException">The token is not one this listing produced.</exception>
    Task<ResultPage<StoredGuardian>> ListPageAsync(int pageSize, string? continuation, CancellationToken cancellationToken = default);
}

/// <summary>A stored guardian definition and its version.</summary>
/// <param name="Id">The guardian id.</param>
/// <param name="DefinitionJson">The definition as JSON text, exactly as put.</param>
/// <param name="ETag">The version, for <c>If-Match</c>.</param>
/// <param name="CreatedAt">When it was first created.</param>
/// <param name="UpdatedAt">When it was last written.</param>
public sealed record StoredGuardian(string Id, string DefinitionJson, string ETag, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
