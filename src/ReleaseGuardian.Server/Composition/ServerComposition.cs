using ReleaseGuardian.Application.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ReleaseGuardian.Infrastructure.Composition;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Ingestion;

namespace ReleaseGuardian.Server.Composition;

/// <summary>Composition of the standalone host; Program.cs calls only this and the Map...Api() methods.</summary>
internal static class ServerComposition
{
    public static WebApplicationBuilder AddGuardianServer(this WebApplicationBuilder builder)
    {
        var storage = StorageOptions.FromConfiguration(builder.Configuration);

        // A launched test's result URL: the configured public base URL, else the address this server listens on.
        builder.Services.AddSingleton(sp => new LoadTestResultUrls(() =>
            builder.Configuration["Api:PublicBaseUrl"] ?? builder.Configuration["Guardian:PublicBaseUrl"]
            ?? sp.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()));
        builder.Services.AddReleaseGuardian(builder.Configuration, storage);
        builder.Services.AddProblemDetails();
        builder.AddGuardianOpenApi();
        builder.Services.Configure<QueueListenerOptions>(builder.Configuration.GetSection("Queue"));
        builder.Services.AddHostedService<QueueListener>();
        builder.AddGuardianTelemetry();
        builder.AddGuardianWorkflows();
        return builder;
    }

    public static string QueueName(string prefix, string name) => StorageOptions.PrefixedQueueName(prefix, name);
}
