using System.Text.Json;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>
/// Builds the Durable check-status payload (<c>id, statusQueryGetUri, sendEventPostUri, ...</c>) of an orchestration
/// instance. Each host knows its own URLs: the standalone server builds them from the request, the Functions app
/// asks the Durable client (<c>CreateHttpManagementPayload</c>).
/// </summary>
/// <param name="instanceId">The orchestration instance id.</param>
/// <returns>An object whose camelCase JSON is the payload.</returns>
public delegate object CheckStatusPayload(string instanceId);

internal static class CheckStatusJson
{
    /// <summary>The payload as JSON and its <c>statusQueryGetUri</c>, whatever type the host built it as.</summary>
    public static (JsonElement Payload, string? StatusQueryGetUri) Of(CheckStatusPayload checkStatus, string instanceId)
    {
        var payload = checkStatus(instanceId);
        var json = JsonSerializer.SerializeToElement(payload, payload.GetType(), ApiResponse.JsonOptions);
        var uri = json.TryGetProperty("statusQueryGetUri", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return (json, uri);
    }
}
