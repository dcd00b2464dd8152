using DurableTask.Core;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// This process's DTFx worker: it runs the orchestrators written in Application and their activities. It starts in
/// the background and keeps trying while storage is unreachable, so the API answers from the first moment.
/// </summary>
internal sealed partial class WorkflowEngine(DurableTaskHub hub, IServiceScopeFactory scopes, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<WorkflowEngine>();
    private TaskHubWorker? _worker;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!hub.Options.Enabled)
        {
            return;
        }

        var worker = new TaskHubWorker(hub.Service, loggers) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
        var options = hub.Options;
        var orchestrationLogger = loggers.CreateLogger("ReleaseGuardian.Server.Workflow.WorkflowOrchestration");
        worker.AddTaskOrchestrations(new WorkflowObjectCreator<TaskOrchestration>(
            WorkflowNames.ReleaseWorkflow,
            () => new WorkflowOrchestration<EvaluationRequest, EvaluationOutcome>(
                WorkflowNames.ReleaseWorkflow, ReleaseWorkflow.RunAsync,
                WorkflowJsonContext.Default.EvaluationRequest, WorkflowJsonContext.Default.EvaluationOutcome, options, orchestrationLogger)));
        worker.AddTaskOrchestrations(new WorkflowObjectCreator<TaskOrchestration>(
            WorkflowNames.BaselineTraining,
            () => new WorkflowOrchestration<TrainingRequest, TrainingOutcome>(
                WorkflowNames.BaselineTraining, BaselineTraining.RunAsync,
                WorkflowJsonContext.Default.TrainingRequest, WorkflowJsonContext.Default.TrainingOutcome, options, orchestrationLogger)));
        worker.AddTaskOrchestrations(new WorkflowObjectCreator<TaskOrchestration>(
            WorkflowNames.ReleasePlan,
            () => new WorkflowOrchestration<ReleaseRequest, ReleaseReport>(
                WorkflowNames.ReleasePlan, ReleasePlanWorkflow.RunAsync,
                WorkflowJsonContext.Default.ReleaseRequest, WorkflowJsonContext.Default.ReleaseReport, options, orchestrationLogger)));
        var activityLogger = loggers.CreateLogger<ReleaseActivity>();
        worker.AddTaskActivities(
            new[] { WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications }
                .Concat(TrainingActivityDispatch.Names)
                .Concat(ReleasePlanActivityDispatch.Names)
                .Select(name => (ObjectCreator<TaskActivity>)new WorkflowObjectCreator<TaskActivity>(
                    name, () => new ReleaseActivity(name, scopes, stoppingToken, activityLogger)))
                .ToArray());

        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await hub.EnsureCreatedAsync();
                await worker.StartAsync();
                _worker = worker;
                LogStarted(_logger, hub.Name, hub.Settings.PartitionCount, hub.Settings.WorkerId);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogStartFailed(_logger, hub.Name, attempt, e);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The host may stop twice (a test host's Dispose and DisposeAsync); the worker is stopped once, and not disposed
        // while a second stop could still wait on its lock.
        if (Interlocked.Exchange(ref _worker, null) is { } worker)
        {
            // Forced: in-flight work items are abandoned and reappear for another worker (or this one after a restart).
            // The partition lease is then released for another server to take at once, which DTFx confirms about a
            // second later; past the host's shutdown timeout the release goes on unawaited (the lease would otherwise
            // expire after Workflow:LeaseInterval).
            try
            {
                await worker.StopAsync(isForced: true).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                LogStopUnfinished(_logger, hub.Name);
            }
        }
    }

    [LoggerMessage(EventId = 4504, Level = LogLevel.Information, Message = "Workflow engine started on task hub {TaskHub} ({Partitions} partition(s), worker {WorkerId})")]
    private static partial void LogStarted(ILogger logger, string taskHub, int partitions, string workerId);

    [LoggerMessage(EventId = 4505, Level = LogLevel.Information, Message = "Workflow engine on task hub {TaskHub} still releasing its partition lease at the end of the shutdown timeout; not waiting for it")]
    private static partial void LogStopUnfinished(ILogger logger, string taskHub);

    [LoggerMessage(EventId = 4506, Level = LogLevel.Warning, Message = "Workflow engine could not start on task hub {TaskHub} (attempt {Attempt}); trying again")]
    private static partial void LogStartFailed(ILogger logger, string taskHub, int attempt, Exception exception);
}
