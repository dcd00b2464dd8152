using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Runs;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Workflow;
using ReleaseGuardian.Infrastructure.Composition;

namespace ReleaseGuardian.Functions.Composition;

/// <summary>The Functions app's composition: the same <c>AddReleaseGuardian</c> as the standalone server, plus the Durable ports.</summary>
internal static class FunctionsComposition
{
    public static FunctionsApplicationBuilder AddGuardianFunctions(this FunctionsApplicationBuilder builder)
    {
        // Workflows start through the [DurableClient] bound to the current invocation, so the scheduler and the use
        // cases that schedule live per invocation. Registered before AddReleaseGuardian, whose TryAdd keeps them.
        builder.Services.AddScoped<InvocationDurableClient>();
        builder.Services.AddScoped<IWorkflowScheduler, DurableWorkflowScheduler>();
        builder.Services.AddScoped<DurableTrainingScheduler>();
        builder.Services.AddScoped<ITrainingScheduler>(sp => sp.GetRequiredService<DurableTrainingScheduler>());
        builder.Services.AddScoped<ITrainingRunWaiters>(sp => sp.GetRequiredService<DurableTrainingScheduler>());
        builder.Services.AddScoped<IngestionService>();
        builder.Services.AddScoped<RunService>();

        builder.Services.AddReleaseGuardian(builder.Configuration);

        // Durable Functions serializes orchestration inputs, outputs, custom status and activity payloads with the
        // worker's serializer; use the workflow's JSON contract so the status API shows what the standalone host shows.
        builder.Services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(WorkflowSerialization.Options));
        return builder;
    }
}
