using System.Text;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Functions.Ingestion;
using ReleaseGuardian.Functions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Ingestion;

/// <summary>
/// The <c>guardian-events</c> queue trigger, invoked as the host invokes it: a message the use case rejects must throw,
/// so that the host retries it and after five dequeues moves it to the poison queue; an accepted one starts one
/// orchestration, however often it is delivered.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueTriggerTests(AzuriteFixture azurite)
{
    private const string LoadTestFinished = """
        {"specversion":"1.0","type":"releaseguardian.loadtest.finished.v1","source":"/ci/pipeline","id":"evt-queue-1",
         "datacontenttype":"application/json",
         "data":{"guardian":"checkout","testId":"queued-1","purpose":"validation","start":"2026-11-24T10:02:00Z","end":"2026-11-24T10:03:00Z",
                 "signals":{"latency.p95":310,"errors.rate":0.001,"traffic.requests":1170}}}
        """;

    [Fact]
    public async Task A_rejected_message_throws_naming_the_field_so_the_host_retries_and_poisons_it()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);

        var rejected = await Assert.ThrowsAsync<RejectedQueueMessageException>(() => InvokeAsync(story, """{"specversion":"1.0","type":"releaseguardian.loadtest.finished.v1"}"""));

        Assert.Equal("id", rejected.Problem.Field);
        Assert.Empty(await InstancesAsync(story));
    }

    [Fact]
    public async Task An_accepted_message_starts_exactly_one_orchestration_however_often_it_is_delivered()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await story.PutGuardianAsync("checkout", WorkshopPayloads.StaticObjectives);

        await InvokeAsync(story, LoadTestFinished);
        await InvokeAsync(story, Convert.ToBase64String(Encoding.UTF8.GetBytes(LoadTestFinished)));
        var state = await story.Host.WaitForEndAsync("checkout:lt-queued-1");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(["checkout:lt-queued-1"], (await InstancesAsync(story)).Select(i => i.InstanceId));
    }

    private static Task InvokeAsync(FunctionsStory story, string message)
    {
        var function = FunctionCatalog.Named("GuardianEvents");
        var scope = story.Host.Services.CreateAsyncScope();
        var target = ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!);
        return DisposeAfter(scope, function.InvokeAsync(target, [message, story.Host.BindingClient, CancellationToken.None]));
    }

    private static async Task DisposeAfter(AsyncServiceScope scope, Task task)
    {
        await using (scope)
        {
            await task;
        }
    }

    private static async Task<List<OrchestrationMetadata>> InstancesAsync(FunctionsStory story)
    {
        var instances = new List<OrchestrationMetadata>();
        await foreach (var instance in story.Host.Client.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            instances.Add(instance);
        }

        return instances;
    }
}
