using Microsoft.Extensions.Options;
using ReleaseGuardian.Infrastructure.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// Runs the instances this process schedules as soon as they are scheduled (<see cref="LocalWorkItems"/>), next to
/// the queue loop of <see cref="WorkflowRunner"/>, which still takes every work item that was not finished here.
/// </summary>
internal sealed class LocalWorkflowRunner(WorkflowRunner runner, LocalWorkItems items, IOptions<WorkflowRunnerOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        items.Attach(options.Value.VisibilityTimeout);
        var running = new List<Task>();
        try
        {
            await foreach (var item in items.Reader.ReadAllAsync(stoppingToken))
            {
                running.RemoveAll(t => t.IsCompleted);
                running.Add(RunAsync(item, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task RunAsync(LocalWorkItem item, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await runner.RunLocalAsync(item, stoppingToken);
        }
        finally
        {
            items.Release();
        }
    }
}
