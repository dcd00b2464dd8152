using Azure;
using Azure.Storage.Queues;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// Keeps a work item hidden while its instance runs, by pushing its visibility out by the lease every half lease.
/// Without it a run longer than the lease (slow metrics, a flag service being retried, slow notification targets)
/// would reappear on the queue and run a second time alongside the first.
/// </summary>
internal sealed partial class WorkItemLease : IAsyncDisposable
{
    private readonly QueueClient _queue;
    private readonly string _messageId;
    private readonly string _messageText;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private string _popReceipt;

    private WorkItemLease(QueueClient queue, string messageId, string messageText, string popReceipt, TimeSpan lease, ILogger logger)
    {
        (_queue, _messageId, _messageText, _popReceipt, _lease, _logger) = (queue, messageId, messageText, popReceipt, lease, logger);
        _renewing = RenewAsync();
    }

    /// <summary>Starts holding a work item received (or sent hidden) with <paramref name="popReceipt"/>.</summary>
    public static WorkItemLease Hold(QueueClient queue, string messageId, string messageText, string popReceipt, TimeSpan lease, ILogger logger) =>
        new(queue, messageId, messageText, popReceipt, lease, logger);

    /// <summary>The instance finished: stop renewing and delete the work item.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        await _queue.DeleteMessageAsync(_messageId, _popReceipt, cancellationToken);
    }

    /// <summary>Stops renewing; the work item becomes visible when its current lease runs out.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _renewing;
    }

    private async Task RenewAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_lease / 2, _stop.Token);
                var renewed = await _queue.UpdateMessageAsync(_messageId, _popReceipt, _messageText, _lease, _stop.Token);
                _popReceipt = renewed.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (RequestFailedException e)
        {
            // Lost (the lease ran out during a storage outage and another runner took the item) or storage is down:
            // the item reappears and the instance resumes from its checkpoints there.
            LogLeaseLost(_logger, _messageId, e.Status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease of work item {MessageId} (status {Status}); it may run again elsewhere")]
    private static partial void LogLeaseLost(ILogger logger, string messageId, int status);
}
