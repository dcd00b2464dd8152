using System.Text.Json;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// The standalone host's <see cref="IWorkflowContext"/>: the n-th activity call returns checkpoint n when the
/// instance already has one (replay after a crash or redelivery) and otherwise runs the activity and
/// checkpoints its result before the orchestrator sees it.
/// </summary>
internal sealed class CheckpointedWorkflowContext(
    WorkflowHistory history,
    TableWorkflowStore store,
    IReleaseActivities activities,
    CancellationToken cancellationToken) : IWorkflowContext
{
    private int _sequence;

    public string InstanceId => history.Status.InstanceId;

    // Replay-safe: every execution of the instance sees the same time.
    public DateTime CurrentUtcDateTime => history.Status.CreatedTime.UtcDateTime;

    public bool IsReplaying => _sequence < history.Checkpoints.Count;

    /// <summary>Activities actually executed (not replayed) by this execution.</summary>
    public List<string> Executed { get; } = [];

    public async Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        var typeInfo = WorkflowJsonContext.Default.GetTypeInfo(typeof(TResult))
            ?? throw new InvalidOperationException($"{typeof(TResult).Name} is not in {nameof(WorkflowJsonContext)}.");
        var sequence = ++_sequence;
        if (sequence <= history.Checkpoints.Count)
        {
            return (TResult)JsonSerializer.Deserialize(history.Checkpoints[sequence - 1], typeInfo)!;
        }

        await FlushAsync();
        var result = await ReleaseActivityDispatch.InvokeAsync(activities, name, input, cancellationToken);
        await store.CheckpointAsync(InstanceId, sequence, name, JsonSerializer.Serialize(result, typeInfo), cancellationToken);
        Executed.Add(name);
        return (TResult)result;
    }

    public void SetCustomStatus(WorkflowProgress progress)
    {
        if (IsReplaying)
        {
            return;
        }

        // Written just before the next activity runs (or at the end), so progress is visible while it works.
        _pendingProgress = progress;
    }

    private WorkflowProgress? _pendingProgress;

    /// <summary>Writes the latest progress, if it has not been written yet.</summary>
    public async Task FlushAsync()
    {
        if (_pendingProgress is { } progress)
        {
            _pendingProgress = null;
            await store.SetProgressAsync(InstanceId, progress, cancellationToken);
        }
    }
}
