using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Composition;

/// <summary>The Durable Task engine on the configured storage account: its task hub, worker and client.</summary>
internal static class WorkflowComposition
{
    public static WebApplicationBuilder AddGuardianWorkflows(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WorkflowEngineOptions>(builder.Configuration.GetSection("Workflow"));
        builder.Services.AddSingleton(StorageConnection.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<EngineStorageTransactions>();
        builder.Services.AddSingleton<DurableTaskHub>();
        builder.Services.AddSingleton<DurableWorkflowClient>();
        builder.Services.AddSingleton<IWorkflowScheduler>(sp => sp.GetRequiredService<DurableWorkflowClient>());
        builder.Services.AddSingleton<IWorkflowStatusReader>(sp => sp.GetRequiredService<DurableWorkflowClient>());
        builder.Services.AddSingleton<ITrainingScheduler>(sp => sp.GetRequiredService<DurableWorkflowClient>());
        builder.Services.AddSingleton<ITrainingRunWaiters>(sp => sp.GetRequiredService<DurableWorkflowClient>());
        builder.Services.AddSingleton<IReleaseScheduler>(sp => sp.GetRequiredService<DurableWorkflowClient>());
        builder.Services.AddHostedService<WorkflowEngine>();
        return builder;
    }
}
