using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Functions.Http;
using ReleaseGuardian.Functions.Workflow;
using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Functions.Ingestion;

/// <summary>
/// The inbound doors. The HTTP ones are <see cref="AuthorizationLevel.Anonymous"/>: each delivery is authenticated by
/// its sender's signature or shared secret (<c>Webhooks:{provider}:Secret</c>) inside <see cref="IngestionService"/>,
/// and flag services, load-test tools and Event Grid cannot all be taught to send a function key. Each binds the
/// Durable client, because an accepted load-test or chaos event starts the release workflow.
/// </summary>
public sealed class IngestionFunctions(IngestionEndpoints endpoints, IngestionService ingestion, InvocationDurableClient durable)
{
    /// <summary><c>POST /api/webhooks/flags/{provider}</c>.</summary>
    [Function("FlagWebhook")]
    public Task<IActionResult> FlagWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FunctionRoutes.FlagWebhook)] HttpRequest http,
        string provider, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.RespondAsync(http, request => endpoints.FlagWebhookAsync(provider, request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }

    /// <summary><c>POST /api/webhooks/loadtests/{tool}</c>.</summary>
    [Function("LoadTestWebhook")]
    public Task<IActionResult> LoadTestWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FunctionRoutes.LoadTestWebhook)] HttpRequest http,
        string tool, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.RespondAsync(http, request => endpoints.LoadTestWebhookAsync(tool, request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }

    /// <summary><c>POST /api/events</c>: CloudEvents (structured, binary, batch) and Event Grid's validation handshake.</summary>
    [Function("CloudEvents")]
    public Task<IActionResult> CloudEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FunctionRoutes.Events)] HttpRequest http,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        return HttpExchange.RespondAsync(http, request => endpoints.CloudEventsAsync(request, HttpExchange.CheckStatusFor(client), cancellationToken));
    }

    /// <summary><c>OPTIONS /api/events</c>: the CloudEvents webhook validation handshake.</summary>
    [Function("CloudEventsValidation")]
    public static Task<IActionResult> CloudEventsValidation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = FunctionRoutes.Events)] HttpRequest http) =>
        HttpExchange.RespondAsync(http, request => Task.FromResult(IngestionEndpoints.ValidationHandshake(request)));

    /// <summary>
    /// The <c>guardian-events</c> queue. A rejected message throws, so the host retries it and after
    /// <c>maxDequeueCount</c> (5, host.json) moves it to <c>guardian-events-poison</c>. host.json's
    /// <c>messageEncoding: none</c> hands over the stored text; the use case accepts plain or base64 JSON.
    /// </summary>
    [Function("GuardianEvents")]
    public async Task GuardianEvents(
        [QueueTrigger(QueueNames.GuardianEvents, Connection = "AzureWebJobsStorage")] string message,
        [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        durable.Use(client);
        if (await ingestion.IngestQueueMessageAsync(message, cancellationToken) is IngestResult.Rejected rejected)
        {
            throw new RejectedQueueMessageException(rejected.Problem);
        }
    }
}

/// <summary>A <c>guardian-events</c> message the use case rejected; its message is the reason kept with the retries.</summary>
public sealed class RejectedQueueMessageException(IngestProblem problem)
    : Exception($"{problem.StatusCode} {problem.Field}: {problem.Detail}")
{
    /// <summary>What was wrong, naming the field.</summary>
    public IngestProblem Problem { get; } = problem;
}
