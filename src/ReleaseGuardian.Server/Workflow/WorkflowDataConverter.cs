using System.Text.Json;
using DurableTask.Core.Serializing;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Server.Workflow;

/// <summary>
/// The engine's payloads (instance inputs, external events) in the source-generated <see cref="WorkflowJsonContext"/>
/// contract, the same JSON the Functions host writes, instead of DTFx's default Newtonsoft converter.
/// </summary>
internal sealed class WorkflowDataConverter : DataConverter
{
    public static readonly WorkflowDataConverter Instance = new();

    public override string Serialize(object value) => Serialize(value, formatted: false);

    public override string Serialize(object value, bool formatted) => value switch
    {
        null => "null",
        string text => JsonSerializer.Serialize(text, WorkflowJsonContext.Default.String),
        _ => JsonSerializer.Serialize(value, TypeInfo(value.GetType())),
    };

    public override object Deserialize(string data, Type objectType) =>
        data is null ? null! : JsonSerializer.Deserialize(data, TypeInfo(objectType))!;

    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo TypeInfo(Type type) =>
        WorkflowJsonContext.Default.GetTypeInfo(type)
        ?? throw new InvalidOperationException($"{type.Name} is not in {nameof(WorkflowJsonContext)}; add it there.");
}
