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
        // Storage:Prefix isolates tables and queues, so several servers (tests, demos) can share one account.
        var prefix = builder.Configuration["Storage:Prefix"] ?? "";
        var storage = new StorageOptions
        {
            TablePrefix = prefix,
            QueueName = QueueName(prefix, QueueNames.GuardianEvents),
            PoisonQueueName = QueueName(prefix, QueueNames.GuardianEventsPoison),
        };

        builder.Services.AddReleaseGuardian(builder.Configuration, storage);
        builder.Services.AddProblemDetails();
        builder.Services.Configure<QueueListenerOptions>(builder.Configuration.GetSection("Queue"));
        builder.Services.AddHostedService<QueueListener>();
        builder.AddGuardianTelemetry();
        builder.AddGuardianWorkflows();
        return builder;
    }

    public static string QueueName(string prefix, string name) =>
        prefix.Length == 0 ? name : prefix.ToLowerInvariant() + "-" + name;
}
