using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// Storage going away under load: a dedicated Azurite (persisting to a temp folder, so a restart keeps its data) is
/// killed and started again while signed flag webhooks keep arriving over real HTTP.
/// </summary>
public sealed class StorageOutageTests
{
    private const string GuardianId = "checkout";
    private const int Senders = 4;
    private readonly CapturedLogs _logs = new();
    private readonly ConcurrentBag<(string ChangeId, Answer Answer, string Phase)> _answers = [];

    [Fact]
    public async Task Events_posted_while_storage_restarts_are_either_answered_202_and_recorded_or_answered_5xx_and_the_server_recovers()
    {
        await using var azurite = await AzuriteProcess.StartAsync(persistent: true);
        using var server = GuardianServer.Start(azurite.ConnectionString, new Dictionary<string, string?>(IngestionServer.Defaults)
        {
            ["Webhooks:launchdarkly:Secret"] = Scenario.LaunchDarklySecret,
        }, _logs);
        using var management = server.Management();
        using var client = server.Anonymous();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));

        var answers = _answers;
        var phase = "before";
        var next = 0;
        async Task PostOneAsync()
        {
            var n = Interlocked.Increment(ref next);
            var posted = phase;
            var answer = await DeliverAsync(client, n);
            answers.Add((ChangeId(n), answer, posted));
        }

        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, Senders).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                await PostOneAsync();
                await Task.Delay(20);
            }
        }).ToList();

        await WaitUntilAsync(() => answers.Count(a => a.Answer.Status == HttpStatusCode.Accepted) >= 8);
        phase = "outage";
        await azurite.StopAsync();
        // Longer than the storage client's own retries (about 6 s), so requests begun in the outage fail.
        await WaitUntilAsync(() => answers.Count(a => a.Phase == "outage" && (int)a.Answer.Status >= 500) >= 2, seconds: 60);
        await azurite.StartAsync();
        phase = "after";
        await WaitUntilAsync(() => answers.Count(a => a.Phase == "after" && a.Answer.Status == HttpStatusCode.Accepted) >= 8, seconds: 60);
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        // Every answer is a 202 or a 5xx: a storage failure is never passed off as success or blamed on the sender.
        Assert.All(answers, a => Assert.True(
            a.Answer.Status == HttpStatusCode.Accepted || (int)a.Answer.Status >= 500,
            $"{a.ChangeId} ({a.Phase}): {(int)a.Answer.Status} {a.Answer.Body}"));
        var failed = answers.Where(a => a.Answer.Status != HttpStatusCode.Accepted).ToList();
        Assert.NotEmpty(failed);
        // A failure answer tells the sender to retry; it carries no stack trace or storage internals.
        Assert.All(failed, a => Assert.DoesNotContain("   at ", a.Answer.Body, StringComparison.Ordinal));
        Assert.All(failed, a => Assert.DoesNotContain("AccountKey", a.Answer.Body, StringComparison.OrdinalIgnoreCase));

        // The server recovered by itself: the last deliveries, after storage came back, were all accepted.
        var recovered = answers.Where(a => a.Phase == "after").OrderBy(a => a.ChangeId, StringComparer.Ordinal).TakeLast(Senders * 2).ToList();
        Assert.All(recovered, a => Assert.True(a.Answer.Status == HttpStatusCode.Accepted, $"{a.ChangeId}: {(int)a.Answer.Status} {a.Answer.Body}"));

        // Nothing acknowledged was lost: every change answered 202 is on the guardian's timeline.
        var timeline = (await management.TimelineAsync(GuardianId)).Where(e => e.Kind == "flagChange").Select(e => e.Id).ToHashSet();
        var acknowledged = answers.Where(a => a.Answer.Status == HttpStatusCode.Accepted).Select(a => a.ChangeId).ToList();
        Assert.All(acknowledged, id => Assert.Contains(id, timeline));

        // A failed delivery retried by its sender (as webhook senders do on 5xx) is recorded once.
        var retried = failed[0];
        (await DeliverAsync(client, int.Parse(retried.ChangeId[4..]))).AssertAccepted(1);
        Assert.Single(await management.TimelineAsync(GuardianId), e => e.Id == retried.ChangeId);
    }

    [Fact]
    public async Task A_server_started_while_storage_is_down_answers_5xx_and_works_once_storage_is_back_without_a_restart()
    {
        await using var azurite = await AzuriteProcess.StartAsync(persistent: true);
        await azurite.StopAsync();
        var logs = new CapturedLogs();
        using var server = GuardianServer.Start(azurite.ConnectionString, new Dictionary<string, string?>(IngestionServer.Defaults)
        {
            ["Webhooks:launchdarkly:Secret"] = Scenario.LaunchDarklySecret,
        }, logs);
        using var management = server.Management();
        using var client = server.Anonymous();

        // Every table and queue is first touched now, with storage down: the creations fail.
        var down = await DeliverAsync(client, 1);
        Assert.True((int)down.Status >= 500, $"{(int)down.Status} {down.Body}");
        Assert.DoesNotContain("   at ", down.Body, StringComparison.Ordinal);
        using var definition = new StringContent(GuardianApiClient.Definition(GuardianId,
            GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production")), System.Text.Encoding.UTF8, "application/json");
        using var put = await management.PutAsync($"/api/guardians/{GuardianId}", definition);
        Assert.True((int)put.StatusCode >= 500, $"{(int)put.StatusCode}");

        // The queue listener's first poll has given up creating its queues (the queue SDK retries for about 25 s).
        var listenerFailed = DateTime.UtcNow.AddSeconds(90);
        while (!logs.Entries.Any(e => e.Contains("QueueListener could not poll its queue", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < listenerFailed, "the queue listener never reported a failed poll");
            await Task.Delay(200);
        }

        await azurite.StartAsync();

        // The failed creations were not remembered: the same process now creates the tables and records.
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));
        (await DeliverAsync(client, 1)).AssertAccepted(1);
        Assert.Single(await management.TimelineAsync(GuardianId), e => e.Id == ChangeId(1));

        // The queue listener, whose first polls failed to create its queues, drains the queue now too.
        var data = JsonNode.Parse(ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries.Payload("CloudEvents", "batch.json"))![1]!["data"]!.DeepClone();
        data["guardian"] = GuardianId;
        data["testId"] = "after-outage";
        var message = new JsonObject
        {
            ["specversion"] = "1.0", ["id"] = "q-after-outage", ["source"] = "/queue-test",
            ["type"] = "releaseguardian.loadtest.finished.v1", ["time"] = "2026-11-24T10:03:10Z", ["data"] = data,
        };
        var queue = new QueueClient(azurite.ConnectionString, $"{server.Prefix.ToLowerInvariant()}-guardian-events");
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(message.ToJsonString());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await management.TimelineAsync(GuardianId)).Any(e => e.Id == "q-after-outage"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the queued event never reached the timeline: the listener did not recover");
            await Task.Delay(100);
        }
    }

    private static string ChangeId(int n) => $"chg-{n:D4}";

    /// <summary>Signed LaunchDarkly change number <paramref name="n"/>: the same bytes every time it is sent.</summary>
    private static Task<Answer> DeliverAsync(HttpClient client, int n)
    {
        var body = Scenario.LaunchDarklyToggle(ChangeId(n), Scenario.Base.AddSeconds(n), turnOn: n % 2 == 0);
        return client.PostAsync("/api/webhooks/flags/launchdarkly", body, "application/json",
            new Dictionary<string, string> { ["X-LD-Signature"] = HmacSignature.ComputeHex(Scenario.LaunchDarklySecret, body) });
    }

    private async Task WaitUntilAsync(Func<bool> condition, int seconds = 30)
    {
        string Describe() => string.Join("\n", _answers.OrderBy(a => a.ChangeId, StringComparer.Ordinal)
            .Select(a => $"{a.ChangeId} {a.Phase} {(int)a.Answer.Status}"))
            + "\nlast errors:\n" + string.Join("\n", _logs.Entries.Where(e => e.StartsWith("Error", StringComparison.Ordinal)).TakeLast(2));
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true in time:\n" + Describe());
            await Task.Delay(50);
        }
    }
}
