using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Infrastructure.Composition;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Ingestion;

namespace ReleaseGuardian.Server.Composition;

/// <summary>Composition of the standalone host; Program.cs calls only this and the Map...Api() methods.</summary>
internal static class ServerComposition
{
    public static WebApplicationBuilder AddGuardianServer(this WebApplicationBuilder builder)
    {
        var storage = StorageOptions.FromConfiguration(builder.Configuration);

        builder.Services.AddReleaseGuardian(builder.Configuration, storage);
        builder.Services.AddProblemDetails();
        builder.AddGuardianOpenApi();
        builder.Services.Configure<QueueListenerOptions>(builder.Configuration.GetSection("Queue"));
        builder.Services.AddHostedService<QueueListener>();
        builder.AddGuardianTelemetry();
        builder.AddGuardianWorkflows(storage, QueueName(storage.TablePrefix, WorkflowComposition.WorkQueueName));
        return builder;
    }

    public static string QueueName(string prefix, string name) => StorageOptions.PrefixedQueueName(prefix, name);
}
