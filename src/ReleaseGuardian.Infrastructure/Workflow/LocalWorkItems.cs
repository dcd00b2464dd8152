using System.Threading.Channels;

namespace ReleaseGuardian.Infrastructure.Workflow;

/// <summary>
/// Instances this process scheduled, handed straight to its own runner. The work item still goes to the queue, but
/// invisible for the lease: it is the safety net that another runner (or this one after a restart) picks up when the
/// instance did not finish in time, and it is deleted when it did. A handed-over instance costs no queue receive and no
/// history read, and starts without waiting for the next poll.
/// </summary>
public sealed class LocalWorkItems
{
    private readonly Channel<LocalWorkItem> _items = Channel.CreateUnbounded<LocalWorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private int _inFlight;

    /// <summary>Most instances run from here at once; beyond that they go through the queue as usual.</summary>
    public int Capacity { get; init; } = 16;

    /// <summary>How long the safety-net work item stays invisible; set by <see cref="Attach"/>.</summary>
    public TimeSpan Lease { get; private set; }

    /// <summary>True once a runner in this process reads the items.</summary>
    public bool IsAttached { get; private set; }

    /// <summary>What the runner reads.</summary>
    public ChannelReader<LocalWorkItem> Reader => _items.Reader;

    /// <summary>A runner starts reading; scheduled instances come here from now on.</summary>
    /// <param name="lease">How long an instance may run before its queued work item becomes visible to other runners.</param>
    public void Attach(TimeSpan lease)
    {
        Lease = lease;
        IsAttached = true;
    }

    /// <summary>The runner is done with an item (finished or not): its place is free.</summary>
    public void Release() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Takes a place for an instance about to be scheduled; false when no runner reads or all places are taken.</summary>
    internal bool TryReserve()
    {
        if (!IsAttached)
        {
            return false;
        }

        if (Interlocked.Increment(ref _inFlight) <= Capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    /// <summary>Hands a scheduled instance to the runner; its place was reserved with <see cref="TryReserve"/>.</summary>
    internal void Post(LocalWorkItem item)
    {
        if (!_items.Writer.TryWrite(item))
        {
            // Unbounded and never completed, so this cannot happen; the queued work item would still run it.
            Release();
        }
    }
}

/// <summary>An instance handed over by <see cref="LocalWorkItems"/>.</summary>
/// <param name="History">Its state as just created: the status row, no checkpoints.</param>
/// <param name="MessageId">The safety-net work item.</param>
/// <param name="PopReceipt">The receipt that deletes it.</param>
public sealed record LocalWorkItem(WorkflowHistory History, string MessageId, string PopReceipt);
