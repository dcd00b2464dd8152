using System.Text.Json;
using DurableTask.Core;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// One activity as a DTFx <see cref="TaskActivity"/>: a fresh DI scope per execution and the
/// <see cref="IReleaseActivities"/> or <see cref="ITrainingActivities"/> method of the same name. The engine hands over the orchestrator's parameters as a
/// JSON array whose one element is the input's JSON text, and stores the returned text as the result: a JSON string
/// that holds the result's JSON, which <see cref="OrchestrationWorkflowContext"/> reads back.
/// </summary>
internal sealed partial class ReleaseActivity(string name, IServiceScopeFactory scopes, CancellationToken stopping, ILogger logger) : TaskActivity
{
    public override string Run(TaskContext context, string input) =>
        throw new NotSupportedException("The engine calls RunAsync.");

    public override async Task<string> RunAsync(TaskContext context, string input)
    {
        string inputJson;
        using (var parameters = JsonDocument.Parse(input))
        {
            inputJson = parameters.RootElement[0].GetString()
                ?? throw new ArgumentException($"{name} was scheduled without an input.");
        }

        await using var scope = scopes.CreateAsyncScope();
        LogActivityStarted(logger, name, context.OrchestrationInstance.InstanceId, context.DeliveryAttempt);
        var resultJson = TrainingActivityDispatch.Names.Contains(name)
            ? await TrainingActivityDispatch.InvokeJsonAsync(scope.ServiceProvider.GetRequiredService<ITrainingActivities>(), name, inputJson, stopping)
            : ReleasePlanActivityDispatch.Names.Contains(name)
                ? await ReleasePlanActivityDispatch.InvokeJsonAsync(scope.ServiceProvider.GetRequiredService<IReleasePlanActivities>(), name, inputJson, stopping)
                : await ReleaseActivityDispatch.InvokeJsonAsync(scope.ServiceProvider.GetRequiredService<IReleaseActivities>(), name, inputJson, stopping);
        return JsonSerializer.Serialize(resultJson, WorkflowJsonContext.Default.String);
    }

    [LoggerMessage(EventId = 4503, Level = LogLevel.Information, Message = "Activity {Activity} of workflow instance {InstanceId} runs (delivery {DeliveryAttempt})")]
    private static partial void LogActivityStarted(ILogger logger, string activity, string instanceId, long? deliveryAttempt);
}
