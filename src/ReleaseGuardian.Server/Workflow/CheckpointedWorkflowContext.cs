using System.Text.Json;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// The standalone host's <see cref="IWorkflowContext"/>: the n-th activity call returns checkpoint n when the
/// instance already has one (replay after a crash or redelivery) and otherwise runs the activity and keeps its result
/// as a checkpoint.
/// </summary>
/// <remarks>
/// Every write is a storage transaction, so checkpoints and progress are written together: at the end, or once an
/// activity has been working for <c>progressDelay</c> (then its progress, and the checkpoints of the activities before
/// it, are written while it works, so a person sees what it does and a crash during that slow step resumes after the
/// steps already done). An activity whose checkpoint was lost with a crash runs again and answers as it did the first
/// time from what it stored then: the saved run, the rollback ledger's entry, the notification record.
/// </remarks>
internal sealed class CheckpointedWorkflowContext(
    WorkflowHistory history,
    TableWorkflowStore store,
    IReleaseActivities activities,
    TimeSpan progressDelay,
    CancellationToken cancellationToken) : IWorkflowContext
{
    private readonly List<PendingCheckpoint> _pendingCheckpoints = [];
    private WorkflowProgress? _pendingProgress;
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

        if (progressDelay <= TimeSpan.Zero)
        {
            await FlushAsync();
        }

        var running = ReleaseActivityDispatch.InvokeAsync(activities, name, input, cancellationToken);
        await FlushWhileSlowAsync(running);
        var result = await running;
        _pendingCheckpoints.Add(new PendingCheckpoint(sequence, name, JsonSerializer.Serialize(result, typeInfo)));
        Executed.Add(name);
        return (TResult)result;
    }

    public void SetCustomStatus(WorkflowProgress progress)
    {
        if (IsReplaying)
        {
            return;
        }

        _pendingProgress = progress;
    }

    /// <summary>Writes the checkpoints and the latest progress not written yet, in one transaction.</summary>
    public Task FlushAsync() => CommitAsync(completion: null);

    /// <summary>Writes what is pending together with the instance's completion: one transaction at the end.</summary>
    public Task CompleteAsync(string runtimeStatus, string outputJson) => CommitAsync((runtimeStatus, outputJson));

    private async Task FlushWhileSlowAsync(Task running)
    {
        if ((_pendingCheckpoints.Count == 0 && _pendingProgress is null) || progressDelay <= TimeSpan.Zero)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var finished = await Task.WhenAny(running, Task.Delay(progressDelay, stop.Token));
        await stop.CancelAsync();
        if (finished != running)
        {
            await FlushAsync();
        }
    }

    private async Task CommitAsync((string RuntimeStatus, string OutputJson)? completion)
    {
        if (_pendingCheckpoints.Count == 0 && _pendingProgress is null && completion is null)
        {
            return;
        }

        await store.CommitAsync(InstanceId, _pendingCheckpoints.ToList(), _pendingProgress, completion, cancellationToken);
        _pendingCheckpoints.Clear();
        _pendingProgress = null;
    }
}
