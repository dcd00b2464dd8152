using Azure.Data.Tables;
using Azure.Storage.Queues;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Infrastructure.Workflow;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Composition;

/// <summary>The checkpointed workflow runner and its Table/Queue store.</summary>
internal static class WorkflowComposition
{
    public const string WorkQueueName = "guardian-workflows";
    public const string TableName = "Workflows";

    public static WebApplicationBuilder AddGuardianWorkflows(this WebApplicationBuilder builder, StorageOptions storage, string workQueue)
    {
        builder.Services.Configure<WorkflowRunnerOptions>(builder.Configuration.GetSection("Workflow"));
        builder.Services.AddSingleton<LocalWorkItems>();
        builder.Services.AddSingleton(sp => new TableWorkflowStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(storage.TablePrefix + TableName),
            sp.GetRequiredService<QueueServiceClient>().GetQueueClient(workQueue),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<LocalWorkItems>()));
        builder.Services.AddSingleton<IWorkflowScheduler>(sp => sp.GetRequiredService<TableWorkflowStore>());
        builder.Services.AddSingleton<IWorkflowStatusReader>(sp => sp.GetRequiredService<TableWorkflowStore>());
        builder.Services.AddSingleton<WorkflowRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkflowRunner>());
        builder.Services.AddHostedService<LocalWorkflowRunner>();
        return builder;
    }
}
