using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Runs;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Functions.Workflow;
using ReleaseGuardian.Infrastructure.Composition;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Functions.Composition;

/// <summary>The Functions app's composition: the same <c>AddReleaseGuardian</c> as the standalone server, plus the Durable ports.</summary>
internal static class FunctionsComposition
{
    /// <summary>
    /// The worker's serializer: Durable Functions serializes orchestration inputs, outputs, custom status and activity
    /// payloads with it, so it carries the workflow's JSON contract and the status API shows what the standalone host shows.
    /// </summary>
    public static ObjectSerializer WorkflowSerializer { get; } = new JsonObjectSerializer(WorkflowSerialization.Options);

    public static FunctionsApplicationBuilder AddGuardianFunctions(this FunctionsApplicationBuilder builder)
    {
        builder.Services.AddGuardianFunctionServices(builder.Configuration);
        return builder;
    }

    /// <summary>Everything the functions resolve; the tests compose the in-process Durable host with this too.</summary>
    public static IServiceCollection AddGuardianFunctionServices(this IServiceCollection services, IConfiguration configuration)
    {
        // Workflows start through the [DurableClient] bound to the current invocation, so the scheduler and the use
        // cases that schedule live per invocation. Registered before AddReleaseGuardian, whose TryAdd keeps them.
        services.AddScoped<InvocationDurableClient>();
        services.AddScoped<IWorkflowScheduler, DurableWorkflowScheduler>();
        services.AddScoped<DurableTrainingScheduler>();
        services.AddScoped<ITrainingScheduler>(sp => sp.GetRequiredService<DurableTrainingScheduler>());
        services.AddScoped<ITrainingRunWaiters>(sp => sp.GetRequiredService<DurableTrainingScheduler>());
        services.AddScoped<IReleaseScheduler, DurableReleaseScheduler>();
        services.AddScoped<IngestionService>();
        services.AddScoped<RunService>();

        // Storage:Prefix applies to the tables only: the host binds the queue trigger to guardian-events by attribute.
        services.AddReleaseGuardian(configuration, new StorageOptions { TablePrefix = StorageOptions.FromConfiguration(configuration).TablePrefix });
        services.Configure<WorkerOptions>(worker => worker.Serializer = WorkflowSerializer);
        return services;
    }
}
