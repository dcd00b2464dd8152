namespace ReleaseGuardian.Server.Hosting;

/// <summary>
/// The poll loop both queue consumers of the standalone host share: poll, pause when the queue is empty,
/// back off after a failure (storage down), and stop quietly on shutdown.
/// </summary>
internal abstract partial class QueuePollingService(ILogger logger) : BackgroundService
{
    /// <summary>False keeps the loop from starting.</summary>
    protected abstract bool Enabled { get; }

    /// <summary>Pause between polls of an empty queue.</summary>
    protected abstract TimeSpan PollInterval { get; }

    /// <summary>Receives and handles one batch; returns how many messages it handled.</summary>
    protected abstract Task<int> PollOnceAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await PollOnceAsync(stoppingToken) == 0)
                {
                    await Task.Delay(PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPollFailed(logger, GetType().Name, e);
                await Task.Delay(PollInterval * 4, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 4501, Level = LogLevel.Warning, Message = "{Consumer} could not poll its queue; retrying")]
    private static partial void LogPollFailed(ILogger logger, string consumer, Exception exception);
}
