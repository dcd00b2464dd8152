using Microsoft.DurableTask;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>The workflow port over Durable Functions' <see cref="TaskOrchestrationContext"/>; Durable does the replay.</summary>
internal sealed class DurableWorkflowContext(TaskOrchestrationContext context) : IWorkflowContext
{
    // A transient failure (metrics source, flag service, storage) gets two more tries, 5 s then 10 s later.
    private static readonly TaskOptions ActivityRetries =
        TaskOptions.FromRetryPolicy(new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0));

    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public Task<TResult> CallActivityAsync<TResult>(string name, object input) =>
        context.CallActivityAsync<TResult>(name, input, ActivityRetries);

    public void SetCustomStatus(WorkflowProgress progress) => context.SetCustomStatus(progress);

    public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken = default) =>
        context.CreateTimer(fireAt, cancellationToken);

    public async Task<TEvent?> WaitForEventAsync<TEvent>(string name, TimeSpan timeout) where TEvent : class
    {
        try
        {
            return await context.WaitForExternalEvent<TEvent>(name, timeout);
        }
        catch (TaskCanceledException)
        {
            // The SDK's way of saying the timeout fired first.
            return null;
        }
    }

    public async Task<TEvent?> WaitForEventAsync<TEvent>(string name) where TEvent : class =>
        await context.WaitForExternalEvent<TEvent>(name);

    public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, string instanceId, object input) =>
        context.CallSubOrchestratorAsync<TResult>(name, input, new SubOrchestrationOptions(ActivityRetries, instanceId));
}
