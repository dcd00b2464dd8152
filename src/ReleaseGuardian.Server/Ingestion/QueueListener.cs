using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Hosting;

namespace ReleaseGuardian.Server.Ingestion;

/// <summary>Settings of the <c>guardian-events</c> listener (configuration section <c>Queue</c>).</summary>
public sealed class QueueListenerOptions
{
    /// <summary>How long a message stays invisible while it is processed.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a message that failed waits before its next try.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between polls of an empty queue.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>False stops the listener.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Reads <c>guardian-events</c> the way the Functions queue trigger does: a message that cannot be processed
/// is retried, and after 5 dequeues it moves to <c>guardian-events-poison</c> with the reason beside it. The
/// poison copy is written before the original is deleted, so no message is lost.
/// </summary>
internal sealed partial class QueueListener(
    GuardianEventQueue queue,
    IngestionService ingestion,
    IOptions<QueueListenerOptions> options,
    ILogger<QueueListener> logger) : QueuePollingService(logger)
{
    protected override bool Enabled => options.Value.Enabled;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        var messages = await queue.ReceiveAsync(16, options.Value.VisibilityTimeout, cancellationToken);
        foreach (var message in messages)
        {
            await HandleAsync(message, cancellationToken);
        }

        return messages.Count;
    }

    private async Task HandleAsync(GuardianQueueMessage message, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var result = await ingestion.IngestQueueMessageAsync(message.Body, cancellationToken);
            if (result is not IngestResult.Rejected rejected)
            {
                await queue.DeleteAsync(message, cancellationToken);
                return;
            }

            reason = $"{rejected.Problem.StatusCode} {rejected.Problem.Field}: {rejected.Problem.Detail}";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            reason = $"{e.GetType().Name}: {e.Message}";
        }

        LogMessageFailed(logger, message.MessageId, message.DequeueCount, reason);
        if (GuardianEventQueue.IsExhausted(message))
        {
            await queue.MoveToPoisonAsync(message, reason, cancellationToken);
            return;
        }

        await queue.DelayRetryAsync(message, options.Value.RetryDelay, cancellationToken);
    }


    [LoggerMessage(EventId = 4502, Level = LogLevel.Warning, Message = "Queue message {MessageId} failed on dequeue {DequeueCount}: {Reason}")]
    private static partial void LogMessageFailed(ILogger logger, string messageId, long dequeueCount, string reason);
}
