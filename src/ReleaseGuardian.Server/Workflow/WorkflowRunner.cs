using System.Text.Json;
using Azure;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Workflow;
using ReleaseGuardian.Server.Hosting;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>Settings of the standalone workflow runner (configuration section <c>Workflow</c>).</summary>
public sealed class WorkflowRunnerOptions
{
    /// <summary>How long a work item stays invisible while it runs; a crashed run reappears after it.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Pause between polls of an empty queue. Instances scheduled in this process run at once without the queue, so
    /// the queue only carries work items of dead or busy runners and of other processes; each idle poll is a billed
    /// transaction.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>False stops the background loop (tests drive instances themselves).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long an activity runs before its progress, and the checkpoints of the activities before it, are written
    /// while it works. Faster runs write everything once, at the end. Zero writes before every activity.
    /// </summary>
    public TimeSpan ProgressDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// Executes release workflows from the work queue in the standalone host. Each instance is replayed from its
/// checkpoints, so a redelivered work item (after a crash) never repeats a completed activity.
/// </summary>
internal sealed partial class WorkflowRunner(
    TableWorkflowStore store,
    IServiceScopeFactory scopes,
    IOptions<WorkflowRunnerOptions> options,
    ILogger<WorkflowRunner> logger) : QueuePollingService(logger)
{
    protected override bool Enabled => options.Value.Enabled;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        await store.EnsureCreatedAsync();
        QueueMessage[] messages = await store.WorkQueue.ReceiveMessagesAsync(
            maxMessages: 4, visibilityTimeout: options.Value.VisibilityTimeout, cancellationToken);
        await Task.WhenAll(messages.Select(m => HandleAsync(m, cancellationToken)));
        return messages.Length;
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var instanceId = message.MessageText;
        await using var lease = WorkItemLease.Hold(store.WorkQueue, message.MessageId, instanceId, message.PopReceipt, options.Value.VisibilityTimeout, logger);
        try
        {
            await RunInstanceAsync(instanceId, cancellationToken);
            await lease.CompleteAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the work item reappears after its visibility timeout and replays from checkpoints.
        }
        catch (Exception e)
        {
            LogInstanceFailed(logger, instanceId, message.DequeueCount, e);
            if (message.DequeueCount >= QueueNames.MaxDequeueCount)
            {
                await store.CompleteAsync(instanceId, WorkflowRuntimeStatus.Failed,
                    JsonSerializer.Serialize($"{e.GetType().Name}: {e.Message} (after {message.DequeueCount} attempts)"),
                    CancellationToken.None);
                await lease.CompleteAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Runs (or resumes) one instance to the end. Returns the activities this execution actually ran.</summary>
    public async Task<IReadOnlyList<string>> RunInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        var history = await store.LoadHistoryAsync(instanceId, cancellationToken);
        return history is null ? [] : await RunInstanceAsync(history, cancellationToken);
    }

    /// <summary>Runs (or resumes) an instance whose history is known: read from the table, or just created by this process.</summary>
    public async Task<IReadOnlyList<string>> RunInstanceAsync(WorkflowHistory history, CancellationToken cancellationToken)
    {
        if (history.Status.IsFinished)
        {
            return [];
        }

        var instanceId = history.Status.InstanceId;
        var request = history.Status.Input?.Deserialize(WorkflowJsonContext.Default.EvaluationRequest)
            ?? throw new InvalidOperationException($"Instance {instanceId} has no input.");
        await using var scope = scopes.CreateAsyncScope();
        var activities = scope.ServiceProvider.GetRequiredService<IReleaseActivities>();
        var context = new CheckpointedWorkflowContext(history, store, activities, options.Value.ProgressDelay, cancellationToken);
        EvaluationOutcome outcome;
        try
        {
            outcome = await ReleaseWorkflow.RunAsync(context, request);
        }
        catch
        {
            // Keep what completed before the failure, so the retry replays it instead of running it again.
            await context.FlushAsync();
            throw;
        }

        await context.CompleteAsync(WorkflowRuntimeStatus.Completed,
            JsonSerializer.Serialize(outcome, WorkflowJsonContext.Default.EvaluationOutcome));
        LogInstanceCompleted(logger, instanceId, outcome.Decision, context.Executed.Count, history.Checkpoints.Count);
        return context.Executed;
    }

    /// <summary>Runs an instance this process scheduled, then deletes its safety-net work item.</summary>
    public async Task RunLocalAsync(LocalWorkItem item, CancellationToken cancellationToken)
    {
        var instanceId = item.History.Status.InstanceId;
        await using var lease = WorkItemLease.Hold(store.WorkQueue, item.MessageId, instanceId, item.PopReceipt, options.Value.VisibilityTimeout, logger);
        try
        {
            await RunInstanceAsync(item.History, cancellationToken);
            await lease.CompleteAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the work item becomes visible after its lease and replays from checkpoints.
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The lease ran out first and another delivery of the work item took it over; that one deletes it.
        }
        catch (Exception e)
        {
            // The work item becomes visible after its lease and the queue path retries, counting deliveries from there.
            LogInstanceFailed(logger, instanceId, 0, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Workflow instance {InstanceId} failed on delivery {DequeueCount} (0: run straight from scheduling)")]
    private static partial void LogInstanceFailed(ILogger logger, string instanceId, long dequeueCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workflow instance {InstanceId} completed: {Decision} ({Executed} activities run, {Replayed} replayed)")]
    private static partial void LogInstanceCompleted(ILogger logger, string instanceId, string decision, int executed, int replayed);
}
