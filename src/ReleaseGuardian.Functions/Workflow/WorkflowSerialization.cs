using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ReleaseGuardian.Application.Workflow;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>
/// The worker's JSON options: the workflow types use <see cref="WorkflowJsonContext"/> (string enums, camelCase, nulls
/// omitted, exactly as the standalone host stores them); anything else the Durable extension passes falls back to reflection.
/// </summary>
internal static class WorkflowSerialization
{
    public static JsonSerializerOptions Options { get; } = new(WorkflowJsonContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(WorkflowJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}
