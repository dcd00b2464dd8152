using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Guardians;

/// <summary>The outcome of putting a guardian definition.</summary>
public abstract record GuardianPutResult
{
    private GuardianPutResult()
    {
    }

    /// <summary>Stored; <paramref name="Created"/> tells a new guardian from a replaced one.</summary>
    /// <param name="Guardian">The stored guardian.</param>
    /// <param name="Created">True when it did not exist before.</param>
    public sealed record Stored(StoredGuardian Guardian, bool Created) : GuardianPutResult;

    /// <summary>The definition is invalid; every problem is listed by JSON path. Nothing was stored.</summary>
    /// <param name="Errors">The problems.</param>
    public sealed record Invalid(IReadOnlyList<DefinitionError> Errors) : GuardianPutResult;

    /// <summary>The If-Match ETag no longer matches: someone else changed the guardian. Nothing was stored.</summary>
    public sealed record Conflict : GuardianPutResult;
}

/// <summary>
/// Guardian management (create, replace, read, delete, list) and look-ups for the other use cases.
/// Definitions are validated by Core, then against the operator's configuration (<see cref="IOperatorDefinitionPolicy"/>),
/// before anything is stored.
/// </summary>
/// <remarks>
/// The look-ups the hot paths use (<see cref="FindAsync"/>, <see cref="FindByServiceAndFlagAsync"/>) answer from a
/// short-lived in-process cache: every event and every workflow activity needs the definition, and reading and
/// parsing it each time was most of a guardian's storage traffic. A parsed definition is kept per ETag, so a
/// refresh re-parses only what changed. This process's own PUT and DELETE clear the cache at once; a change made
/// through another instance is seen within <see cref="CacheLifetime"/>. Management reads (<see cref="GetAsync"/>,
/// <see cref="ListAsync"/>) always go to storage.
/// </remarks>
public sealed class GuardianService(IGuardianStore store, TimeProvider? clock = null, IOperatorDefinitionPolicy? policy = null)
{
    /// <summary>How long a cached definition (or the cached list) is used before storage is asked again.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedGuardian> _byId = new(StringComparer.Ordinal);
    private CachedList? _all;
    private long _generation;

    /// <summary>Validates and stores a definition under <paramref name="id"/>; with <paramref name="ifMatch"/>, only if unchanged since.</summary>
    public async Task<GuardianPutResult> PutAsync(string id, string definitionJson, string? ifMatch, CancellationToken cancellationToken)
    {
        var parsed = GuardianDefinitionJson.Parse(WithRouteId(id, definitionJson, out var idProblem));
        if (idProblem is not null)
        {
            return new GuardianPutResult.Invalid([idProblem]);
        }

        if (!parsed.IsValid)
        {
            return new GuardianPutResult.Invalid(parsed.Errors);
        }

        if (policy?.Check(parsed.Definition!) is { Count: > 0 } refused)
        {
            return new GuardianPutResult.Invalid(refused);
        }

        var canonical = GuardianDefinitionJson.Serialize(parsed.Definition!);
        var condition = string.IsNullOrEmpty(ifMatch) ? WriteCondition.None : WriteCondition.IfMatch(ifMatch);
        WriteResult result;
        try
        {
            result = await store.PutAsync(id, canonical, condition, cancellationToken);
        }
        finally
        {
            Invalidate();
        }

        if (!result.Succeeded)
        {
            return new GuardianPutResult.Conflict();
        }

        var stored = await store.GetAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Guardian {id} vanished right after it was stored.");
        return new GuardianPutResult.Stored(stored, result.Outcome == WriteOutcome.Created);
    }

    /// <summary>The stored guardian, or null (always read from storage).</summary>
    public Task<StoredGuardian?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>Deletes a guardian; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return (await store.DeleteAsync(id, null, cancellationToken)).Outcome == WriteOutcome.Deleted;
        }
        finally
        {
            Invalidate();
        }
    }

    /// <summary>Every guardian (always read from storage).</summary>
    public Task<IReadOnlyList<StoredGuardian>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>One page of guardians ordered by id (always read from storage).</summary>
    /// <exception cref="InvalidContinuationException">The token is not one this listing produced.</exception>
    public Task<ResultPage<StoredGuardian>> ListPageAsync(int pageSize, string? continuation, CancellationToken cancellationToken) =>
        store.ListPageAsync(pageSize, continuation, cancellationToken);

    /// <summary>The parsed definition of a guardian, or null when there is none; cached for <see cref="CacheLifetime"/>.</summary>
    public async Task<GuardianDefinition?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (_byId.TryGetValue(id, out var cached) && now - cached.ReadAt < CacheLifetime)
        {
            return cached.Definition;
        }

        var generation = Interlocked.Read(ref _generation);
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            _byId.TryRemove(id, out _);
            return null;
        }

        var entry = Parsed(stored, cached, now);
        Remember(generation, () => _byId[id] = entry);
        return entry.Definition;
    }

    /// <summary>The guardian protecting <paramref name="service"/> with <paramref name="flagKey"/>, for senders that name no guardian.</summary>
    public async Task<GuardianDefinition?> FindByServiceAndFlagAsync(string service, string? flagKey, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var all = _all;
        if (all is null || now - all.ReadAt >= CacheLifetime)
        {
            var generation = Interlocked.Read(ref _generation);
            var entries = new List<CachedGuardian>();
            foreach (var stored in await store.ListAsync(cancellationToken))
            {
                _byId.TryGetValue(stored.Id, out var previous);
                entries.Add(Parsed(stored, previous, now));
            }

            all = new CachedList(entries, now);
            Remember(generation, () =>
            {
                _all = all;
                foreach (var entry in entries)
                {
                    _byId[entry.Stored.Id] = entry;
                }
            });
        }

        foreach (var entry in all.Guardians)
        {
            var definition = entry.Definition;
            if (definition is not null
                && string.Equals(definition.Service, service, StringComparison.OrdinalIgnoreCase)
                && (flagKey is null || string.Equals(definition.Flag?.Key, flagKey, StringComparison.Ordinal)))
            {
                return definition;
            }
        }

        return null;
    }

    // The same ETag means the same definition: keep the parse, refresh only the time it was confirmed.
    private static CachedGuardian Parsed(StoredGuardian stored, CachedGuardian? previous, DateTimeOffset now) =>
        previous is not null && previous.Stored.ETag == stored.ETag
            ? previous with { ReadAt = now }
            : new CachedGuardian(stored, GuardianDefinitionJson.Parse(stored.DefinitionJson).Definition, now);

    // A read that began before a PUT or DELETE of this process must not put the old definition back.
    private void Remember(long generation, Action remember)
    {
        lock (_byId)
        {
            if (Interlocked.Read(ref _generation) == generation)
            {
                remember();
            }
        }
    }

    private void Invalidate()
    {
        lock (_byId)
        {
            Interlocked.Increment(ref _generation);
            _byId.Clear();
            _all = null;
        }
    }

    private sealed record CachedGuardian(StoredGuardian Stored, GuardianDefinition? Definition, DateTimeOffset ReadAt);

    private sealed record CachedList(IReadOnlyList<CachedGuardian> Guardians, DateTimeOffset ReadAt);

    // The route names the guardian; a body may omit its id, but may not contradict the route.
    private static string WithRouteId(string id, string json, out DefinitionError? problem)
    {
        problem = null;
        System.Text.Json.Nodes.JsonNode? node;
        try
        {
            node = System.Text.Json.Nodes.JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json; // The parser reports the syntax error with its position.
        }

        if (node is not System.Text.Json.Nodes.JsonObject body)
        {
            return json;
        }

        if (body["id"] is null)
        {
            body["id"] = id;
            return body.ToJsonString();
        }

        if (body["id"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var bodyId) && bodyId != id)
        {
            problem = new DefinitionError("id", $"'{bodyId}' does not match the guardian id '{id}' in the URL");
        }

        return json;
    }
}
