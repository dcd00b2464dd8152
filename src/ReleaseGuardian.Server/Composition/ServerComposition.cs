using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace ReleaseGuardian.Server.Composition;

/// <summary>Composition of the standalone host; Program.cs calls only this and the Map...Api() methods.</summary>
internal static class ServerComposition
{
    public static WebApplicationBuilder AddGuardianServer(this WebApplicationBuilder builder)
    {
        var connection = builder.Configuration["AzureWebJobsStorage"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new InvalidOperationException(
                "AzureWebJobsStorage is not set. Use UseDevelopmentStorage=true for Azurite, or a storage connection string.");
        }

        var names = new StorageNames(builder.Configuration["Storage:Prefix"] ?? "");
        builder.Services.AddSingleton(names);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new TableServiceClient(connection));
        builder.Services.AddSingleton(new QueueServiceClient(connection));
        builder.Services.AddProblemDetails();
        builder.AddGuardianTelemetry();
        builder.AddGuardianWorkflows(names);
        return builder;
    }
}
