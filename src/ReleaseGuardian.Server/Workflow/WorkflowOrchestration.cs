using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DurableTask.Core;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// Runs one orchestrator written in Application (against <see cref="IWorkflowContext"/>) as a DTFx
/// <see cref="TaskOrchestration"/>. One object per execution: the engine creates it through
/// <see cref="WorkflowObjectCreator{T}"/>.
/// </summary>
internal sealed partial class WorkflowOrchestration<TInput, TOutput>(
    string name,
    Func<IWorkflowContext, TInput, Task<TOutput>> orchestrator,
    JsonTypeInfo<TInput> input,
    JsonTypeInfo<TOutput> output,
    WorkflowEngineOptions options,
    ILogger logger) : TaskOrchestration
{
    private OrchestrationWorkflowContext? _context;

    public override async Task<string> Execute(OrchestrationContext context, string serializedInput)
    {
        _context = new OrchestrationWorkflowContext(context, options);
        // A client starts an instance with the input's JSON; a parent orchestration (through DTFx's Newtonsoft converter)
        // with a JSON string that holds it, and reads the child's output back the same way.
        var startedByParent = serializedInput.StartsWith('"');
        var inputJson = startedByParent ? JsonSerializer.Deserialize(serializedInput, WorkflowJsonContext.Default.String)! : serializedInput;
        var request = JsonSerializer.Deserialize(inputJson, input)
            ?? throw new InvalidOperationException($"Instance {context.OrchestrationInstance.InstanceId} has no input.");
        var result = await orchestrator(_context, request);
        var outputJson = JsonSerializer.Serialize(result, output);
        if (!context.IsReplaying)
        {
            LogCompleted(logger, context.OrchestrationInstance.InstanceId, name);
        }

        return startedByParent ? JsonSerializer.Serialize(outputJson, WorkflowJsonContext.Default.String) : outputJson;
    }

    [LoggerMessage(EventId = 4507, Level = LogLevel.Information, Message = "Workflow instance {InstanceId} completed ({Orchestrator})")]
    private static partial void LogCompleted(ILogger logger, string instanceId, string orchestrator);

    public override string? GetStatus() => _context?.CustomStatusJson;

    public override void RaiseEvent(OrchestrationContext context, string name, string input) => _context?.OnEvent(name, input);
}

/// <summary>Creates a fresh <typeparamref name="T"/> for every execution (DTFx's NameValueObjectCreator would share one).</summary>
internal sealed class WorkflowObjectCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    public WorkflowObjectCreator(string name, Func<T> create)
    {
        Name = name;
        Version = "";
        _create = create;
    }

    public override T Create() => _create();
}
