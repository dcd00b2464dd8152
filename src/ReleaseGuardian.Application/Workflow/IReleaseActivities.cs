using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// The four activities of the release workflow. The Functions host binds one <c>[ActivityTrigger]</c> to each
/// method; the standalone host's Durable Task engine dispatches by name through <see cref="ReleaseActivityDispatch"/>.
/// </summary>
public interface IReleaseActivities
{
    /// <summary><see cref="WorkflowNames.QuerySignals"/>.</summary>
    Task<SignalsResult> QuerySignalsAsync(EvaluationRequest request, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.JudgeRun"/>.</summary>
    Task<JudgeRunResult> JudgeRunAsync(JudgeRunInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.RollbackFlag"/>.</summary>
    Task<RollbackFlagResult> RollbackFlagAsync(RollbackFlagInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordAndSendNotifications"/>.</summary>
    Task<NotificationResult> RecordAndSendNotificationsAsync(NotificationInput input, CancellationToken cancellationToken);
}

/// <summary>Calls an activity by its workflow name, for hosts that dispatch by name.</summary>
public static class ReleaseActivityDispatch
{
    /// <summary>Invokes the activity called <paramref name="name"/> with <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">The name is not an activity of the release workflow, or the input has the wrong type.</exception>
    public static async Task<object> InvokeAsync(
        IReleaseActivities activities, string name, object input, CancellationToken cancellationToken) =>
        (name, input) switch
        {
            (WorkflowNames.QuerySignals, EvaluationRequest request) =>
                await activities.QuerySignalsAsync(request, cancellationToken),
            (WorkflowNames.JudgeRun, JudgeRunInput judge) =>
                await activities.JudgeRunAsync(judge, cancellationToken),
            (WorkflowNames.RollbackFlag, RollbackFlagInput rollback) =>
                await activities.RollbackFlagAsync(rollback, cancellationToken),
            (WorkflowNames.RecordAndSendNotifications, NotificationInput notify) =>
                await activities.RecordAndSendNotificationsAsync(notify, cancellationToken),
            _ => throw new ArgumentException($"'{name}' with input {input.GetType().Name} is not an activity of {WorkflowNames.ReleaseWorkflow}.", nameof(name)),
        };

    /// <summary>
    /// Invokes the activity called <paramref name="name"/> with its input as JSON and answers its result as JSON, both in
    /// the source-generated <see cref="WorkflowJsonContext"/> contract, for engines that carry payloads as text.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not an activity of the release workflow.</exception>
    public static async Task<string> InvokeJsonAsync(
        IReleaseActivities activities, string name, string inputJson, CancellationToken cancellationToken)
    {
        var json = WorkflowJsonContext.Default;
        return await (name switch
        {
            WorkflowNames.QuerySignals => ActivityJson.InvokeAsync(inputJson, json.EvaluationRequest, json.SignalsResult, input => activities.QuerySignalsAsync(input, cancellationToken)),
            WorkflowNames.JudgeRun => ActivityJson.InvokeAsync(inputJson, json.JudgeRunInput, json.JudgeRunResult, input => activities.JudgeRunAsync(input, cancellationToken)),
            WorkflowNames.RollbackFlag => ActivityJson.InvokeAsync(inputJson, json.RollbackFlagInput, json.RollbackFlagResult, input => activities.RollbackFlagAsync(input, cancellationToken)),
            WorkflowNames.RecordAndSendNotifications => ActivityJson.InvokeAsync(inputJson, json.NotificationInput, json.NotificationResult, input => activities.RecordAndSendNotificationsAsync(input, cancellationToken)),
            _ => throw new ArgumentException($"'{name}' is not an activity of {WorkflowNames.ReleaseWorkflow}.", nameof(name)),
        });
    }

}
