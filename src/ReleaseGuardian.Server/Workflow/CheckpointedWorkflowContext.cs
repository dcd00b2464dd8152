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

        // The previous activity's checkpoint is written with the progress of this one, before this one runs.
        await FlushAsync();
        var result = await ReleaseActivityDispatch.InvokeAsync(activities, name, input, cancellationToken);
        _pendingCheckpoint = new PendingCheckpoint(sequence, name, JsonSerializer.Serialize(result, typeInfo));
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
    private PendingCheckpoint? _pendingCheckpoint;

    /// <summary>Writes the last activity's checkpoint and the latest progress, if not written yet, in one transaction.</summary>
    public Task FlushAsync() => CommitAsync(completion: null);

    /// <summary>Writes what is pending together with the instance's completion: one transaction at the end.</summary>
    public Task CompleteAsync(string runtimeStatus, string outputJson) => CommitAsync((runtimeStatus, outputJson));

    private async Task CommitAsync((string RuntimeStatus, string OutputJson)? completion)
    {
        if (_pendingCheckpoint is null && _pendingProgress is null && completion is null)
        {
            return;
        }

        var (checkpoint, progress) = (_pendingCheckpoint, _pendingProgress);
        await store.CommitAsync(InstanceId, checkpoint, progress, completion, cancellationToken);
        (_pendingCheckpoint, _pendingProgress) = (null, null);
    }
}
