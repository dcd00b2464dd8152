using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>Reads what the engine recorded for an instance: its completed activities' results, in the order they completed.</summary>
public static class EngineHistory
{
    public static async Task<IReadOnlyList<(string Activity, string ResultJson)>> ActivityResultsAsync(GuardianServer server, string instanceId)
    {
        var hub = server.Services.GetRequiredService<DurableTaskHub>();
        var state = await hub.Client.GetOrchestrationStateAsync(instanceId)
            ?? throw new InvalidOperationException($"no instance {instanceId}");
        var json = await hub.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance);
        using var events = JsonDocument.Parse(json);
        var scheduled = new Dictionary<int, string>();
        var results = new List<(string, string)>();
        foreach (var e in events.RootElement.EnumerateArray())
        {
            var type = (EventType)e.GetProperty("EventType").GetInt32();
            if (type == EventType.TaskScheduled)
            {
                scheduled[e.GetProperty("EventId").GetInt32()] = e.GetProperty("Name").GetString()!;
            }
            else if (type == EventType.TaskCompleted)
            {
                // Each result is a JSON string that holds the activity's result JSON (see ReleaseActivity).
                results.Add((scheduled[e.GetProperty("TaskScheduledId").GetInt32()],
                    JsonSerializer.Deserialize(e.GetProperty("Result").GetString()!, WorkflowJsonContext.Default.String)!));
            }
        }

        return results;
    }
}
