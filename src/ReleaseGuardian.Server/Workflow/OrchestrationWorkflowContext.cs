using System.Text.Json;
using DurableTask.Core;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// The workflow port over DurableTask.Core's <see cref="OrchestrationContext"/>; the engine does the replay. Payloads
/// cross the engine as JSON text in the <see cref="WorkflowJsonContext"/> contract: DTFx's own (Newtonsoft) converter
/// only ever sees strings, so what an activity receives and returns is exactly what the Functions host's would.
/// </summary>
internal sealed class OrchestrationWorkflowContext(OrchestrationContext context, WorkflowEngineOptions options) : IWorkflowContext
{
    private readonly RetryOptions _retries = new(options.ActivityRetryInterval, Math.Max(1, options.ActivityAttempts))
    {
        BackoffCoefficient = 2.0,
    };

    private readonly Dictionary<string, Queue<string>> _received = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<TaskCompletionSource<string>>> _waiting = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The latest custom status as JSON, which the engine stores after each step.</summary>
    public string? CustomStatusJson { get; private set; }

    public string InstanceId => context.OrchestrationInstance.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public async Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        var inputJson = JsonSerializer.Serialize(input, TypeInfo(input.GetType()));
        var resultJson = await context.ScheduleWithRetry<string>(name, "", _retries, inputJson);
        return (TResult)JsonSerializer.Deserialize(resultJson, TypeInfo(typeof(TResult)))!;
    }

    public void SetCustomStatus(WorkflowProgress progress) =>
        CustomStatusJson = JsonSerializer.Serialize(progress, WorkflowJsonContext.Default.WorkflowProgress);

    public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default) =>
        context.CreateTimer(fireAt, true, cancellationToken);

    public async Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class
    {
        string? payload;
        if (_received.TryGetValue(name, out var early) && early.Count > 0)
        {
            payload = early.Dequeue();
        }
        else
        {
            var arrival = new TaskCompletionSource<string>();
            if (!_waiting.TryGetValue(name, out var waiters))
            {
                _waiting[name] = waiters = new Queue<TaskCompletionSource<string>>();
            }

            waiters.Enqueue(arrival);
            using var cancelTimer = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime.Add(timeout), true, cancelTimer.Token);
            if (await Task.WhenAny(arrival.Task, timer) != arrival.Task)
            {
                // Timed out: later events of this name go to the next wait, not to this one.
                arrival.TrySetCanceled();
                return null;
            }

            // Synchronously: CancelAsync would resume this code on the thread pool, outside the engine's replay scheduler.
            cancelTimer.Cancel();
            payload = await arrival.Task;
        }

        return (TEvent?)JsonSerializer.Deserialize(payload, TypeInfo(typeof(TEvent)));
    }

    public async Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class
    {
        string payload;
        if (_received.TryGetValue(name, out var early) && early.Count > 0)
        {
            payload = early.Dequeue();
        }
        else
        {
            var arrival = new TaskCompletionSource<string>();
            if (!_waiting.TryGetValue(name, out var waiters))
            {
                _waiting[name] = waiters = new Queue<TaskCompletionSource<string>>();
            }

            waiters.Enqueue(arrival);
            payload = await arrival.Task;
        }

        return (TEvent?)JsonSerializer.Deserialize(payload, TypeInfo(typeof(TEvent)));
    }

    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input)
    {
        // The child's input travels as a JSON string that holds the input's JSON; WorkflowOrchestration unwraps it and,
        // seeing it was started by a parent, answers its output the same way (see there).
        var inputJson = JsonSerializer.Serialize(input, TypeInfo(input.GetType()));
        var outputJson = await context.CreateSubOrchestrationInstance<string>(name, "", instanceId, inputJson);
        return (TResult)JsonSerializer.Deserialize(outputJson, TypeInfo(typeof(TResult)))!;
    }

    /// <summary>The engine delivers an external event (in history order, also on replay).</summary>
    public void OnEvent(string name, string payload)
    {
        if (_waiting.TryGetValue(name, out var waiters))
        {
            while (waiters.Count > 0)
            {
                if (waiters.Dequeue().TrySetResult(payload))
                {
                    return;
                }
            }
        }

        if (!_received.TryGetValue(name, out var early))
        {
            _received[name] = early = new Queue<string>();
        }

        early.Enqueue(payload);
    }

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo TypeInfo(Type type) =>
        WorkflowJsonContext.Default.GetTypeInfo(type)
        ?? throw new InvalidOperationException($"{type.Name} is not in {nameof(WorkflowJsonContext)}.");
}
