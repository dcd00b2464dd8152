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
/// Definitions are validated by Core before anything is stored.
/// </summary>
public sealed class GuardianService(IGuardianStore store)
{
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

        var canonical = GuardianDefinitionJson.Serialize(parsed.Definition!);
        var condition = string.IsNullOrEmpty(ifMatch) ? WriteCondition.None : WriteCondition.IfMatch(ifMatch);
        var result = await store.PutAsync(id, canonical, condition, cancellationToken);
        if (!result.Succeeded)
        {
            return new GuardianPutResult.Conflict();
        }

        var stored = await store.GetAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Guardian {id} vanished right after it was stored.");
        return new GuardianPutResult.Stored(stored, result.Outcome == WriteOutcome.Created);
    }

    /// <summary>The stored guardian, or null.</summary>
    public Task<StoredGuardian?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>Deletes a guardian; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        (await store.DeleteAsync(id, null, cancellationToken)).Outcome == WriteOutcome.Deleted;

    /// <summary>Every guardian.</summary>
    public Task<IReadOnlyList<StoredGuardian>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>The parsed definition of a guardian, or null when there is none.</summary>
    public async Task<GuardianDefinition?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        return stored is null ? null : GuardianDefinitionJson.Parse(stored.DefinitionJson).Definition;
    }

    /// <summary>The guardian protecting <paramref name="service"/> with <paramref name="flagKey"/>, for senders that name no guardian.</summary>
    public async Task<GuardianDefinition?> FindByServiceAndFlagAsync(string service, string? flagKey, CancellationToken cancellationToken)
    {
        foreach (var stored in await store.ListAsync(cancellationToken))
        {
            var definition = GuardianDefinitionJson.Parse(stored.DefinitionJson).Definition;
            if (definition is not null
                && string.Equals(definition.Service, service, StringComparison.OrdinalIgnoreCase)
                && (flagKey is null || string.Equals(definition.Flag?.Key, flagKey, StringComparison.Ordinal)))
            {
                return definition;
            }
        }

        return null;
    }

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
