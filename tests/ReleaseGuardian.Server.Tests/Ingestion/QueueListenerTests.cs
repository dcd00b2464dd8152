using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>The <c>guardian-events</c> queue, filled through Azure.Storage.Queues and drained by the running server.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueListenerTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private GuardianServer? _server;

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static JsonObject Envelope(string id, string type, JsonNode data) => new()
    {
        ["specversion"] = "1.0",
        ["id"] = id,
        ["source"] = "/queue-test",
        ["type"] = type,
        ["time"] = "2026-11-24T10:03:10Z",
        ["data"] = data,
    };

    private static JsonNode LoadTestData(string guardian, string testId)
    {
        var data = JsonNode.Parse(Payload("CloudEvents", "batch.json"))![1]!["data"]!.DeepClone();
        data["guardian"] = guardian;
        data["testId"] = testId;
        return data;
    }

    [Fact]
    public async Task Good_messages_reach_the_timeline_bad_ones_go_to_poison_after_five_dequeues_with_their_reason_and_text_and_nothing_is_lost()
    {
        _server = IngestionServer.Start(azurite);
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("flagd", "new-checkout"));

        var flagData = JsonNode.Parse(Payload("CloudEvents", "flag-changed.data.json"))!;
        var good = new Dictionary<string, string>
        {
            ["q-flag-plain"] = Envelope("q-flag-plain", "releaseguardian.flag.changed.v1", flagData).ToJsonString(),
            ["q-lt-base64"] = Base64(Envelope("q-lt-base64", "releaseguardian.loadtest.finished.v1", LoadTestData(GuardianId, "q-run-1")).ToJsonString()),
            ["q-chaos-base64"] = Base64(Envelope("q-chaos-base64", "releaseguardian.chaos.finished.v1",
                JsonNode.Parse(Payload("CloudEvents", "litmus-chaosresult-pass.json"))!).ToJsonString()),
            ["q-lt-plain-batch"] = new JsonArray(Envelope("q-lt-plain-batch", "releaseguardian.loadtest.finished.v1", LoadTestData(GuardianId, "q-run-2"))).ToJsonString(),
        };
        var bad = new Dictionary<string, (string Text, string Field)>
        {
            ["garbage"] = ("this is not a CloudEvent %%%", "message"),
            ["unknown type"] = (Envelope("q-unknown", "com.example.something.v1", new JsonObject { ["x"] = 1 }).ToJsonString(), "type"),
            ["unknown guardian"] = (Base64(Envelope("q-ghost", "releaseguardian.loadtest.finished.v1", LoadTestData("ghost", "q-run-3")).ToJsonString()), "guardian"),
        };

        var queue = new QueueClient(azurite.ConnectionString, $"{_server.Prefix.ToLowerInvariant()}-guardian-events");
        var poison = new QueueClient(azurite.ConnectionString, $"{_server.Prefix.ToLowerInvariant()}-guardian-events-poison");
        await queue.CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        foreach (var text in good.Values.Concat(bad.Values.Select(b => b.Text)))
        {
            await queue.SendMessageAsync(text);
        }

        var started = DateTime.UtcNow;
        IReadOnlyList<TimelineItem> timeline = [];
        List<JsonElement> poisoned = [];
        int waiting = -1;
        while (DateTime.UtcNow - started < Deadline)
        {
            timeline = await management.TimelineAsync(GuardianId);
            poisoned = (await poison.PeekMessagesAsync(32)).Value.Select(m => JsonDocument.Parse(m.MessageText).RootElement.Clone()).ToList();
            waiting = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (timeline.Count >= good.Count && poisoned.Count >= bad.Count && waiting == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(0, waiting);
        Assert.Equal(good.Keys.Order(), timeline.Select(e => e.Id).Order());
        Assert.Equal(bad.Count, poisoned.Count);
        foreach (var (name, (text, field)) in bad)
        {
            var envelope = Assert.Single(poisoned, p => p.GetProperty("message").GetString() == text);
            Assert.Equal(5, envelope.GetProperty("dequeueCount").GetInt32());
            Assert.Contains(field, envelope.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(envelope.GetProperty("messageId").GetString()), name);
        }

        Assert.Equal(
            ["flagChange", "loadTest", "chaos", "loadTest"],
            good.Keys.Select(id => timeline.Single(e => e.Id == id).Kind));
    }

    public void Dispose() => _server?.Dispose();
}
