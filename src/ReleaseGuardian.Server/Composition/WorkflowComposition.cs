using Azure.Data.Tables;
using Azure.Storage.Queues;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Workflow;
using ReleaseGuardian.Server.Workflow;

namespace ReleaseGuardian.Server.Composition;

/// <summary>The checkpointed workflow runner and its Table/Queue store.</summary>
internal static class WorkflowComposition
{
    public const string WorkQueueName = "guardian-workflows";
    public const string TableName = "Workflows";

    public static WebApplicationBuilder AddGuardianWorkflows(this WebApplicationBuilder builder, StorageNames names)
    {
        builder.Services.Configure<WorkflowRunnerOptions>(builder.Configuration.GetSection("Workflow"));
        builder.Services.AddSingleton(sp => new TableWorkflowStore(
            sp.GetRequiredService<TableServiceClient>().GetTableClient(names.Table(TableName)),
            sp.GetRequiredService<QueueServiceClient>().GetQueueClient(names.Queue(WorkQueueName)),
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<IWorkflowScheduler>(sp => sp.GetRequiredService<TableWorkflowStore>());
        builder.Services.AddSingleton<IWorkflowStatusReader>(sp => sp.GetRequiredService<TableWorkflowStore>());
        builder.Services.AddSingleton<WorkflowRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkflowRunner>());
        return builder;
    }
}

/// <summary>
/// Table and queue names, with an optional prefix (<c>Storage:Prefix</c>) so several servers (tests) can
/// share one storage account without seeing each other's data.
/// </summary>
public sealed record StorageNames(string Prefix)
{
    /// <summary>A table name: letters and digits only.</summary>
    public string Table(string name) => new string(Prefix.Where(char.IsLetterOrDigit).ToArray()) + name;

    /// <summary>A queue name: lowercase letters, digits and hyphens.</summary>
    public string Queue(string name) => Prefix.Length == 0 ? name : (Prefix.ToLowerInvariant().Trim('-') + "-" + name);
}
