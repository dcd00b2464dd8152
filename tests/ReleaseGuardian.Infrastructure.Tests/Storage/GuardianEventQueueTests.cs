using System.Text.Json;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class GuardianEventQueueTests(AzuriteFixture azurite)
{
    private const string CloudEvent = "{\"specversion\":\"1.0\",\"type\":\"releaseguardian.flag.changed.v1\",\"source\":\"/cli\",\"id\":\"1\",\"data\":{\"note\":\"<&> ünï\"}}";
    private readonly StorageTestBed _bed = new(azurite);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_message_sent_plain_or_base64_is_received_as_its_text(bool base64)
    {
        await _bed.Queue.SendAsync(CloudEvent, base64);

        var received = Assert.Single(await _bed.Queue.ReceiveAsync(32, TimeSpan.FromSeconds(30)));

        Assert.Equal(CloudEvent, received.Body);
        Assert.Equal(base64, received.RawText != CloudEvent);
        Assert.Equal(1, received.DequeueCount);
    }

    [Fact]
    public async Task A_deleted_message_is_gone_and_an_undeleted_one_comes_back_with_a_higher_dequeue_count()
    {
        await _bed.Queue.SendAsync("{\"keep\":1}");
        await _bed.Queue.SendAsync("{\"done\":1}");
        var first = await _bed.Queue.ReceiveAsync(32, TimeSpan.FromSeconds(1));
        await _bed.Queue.DeleteAsync(first.Single(m => m.Body.Contains("done", StringComparison.Ordinal)));

        IReadOnlyList<GuardianQueueMessage> again = [];
        for (var i = 0; i < 50 && again.Count == 0; i++)
        {
            await Task.Delay(100);
            again = await _bed.Queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));
        }

        var back = Assert.Single(again);
        Assert.Equal("{\"keep\":1}", back.Body);
        Assert.Equal(2, back.DequeueCount);
        Assert.False(GuardianEventQueue.IsExhausted(back));
    }

    [Fact]
    public async Task Moving_to_poison_keeps_the_original_text_and_the_reason_and_removes_it_from_the_queue()
    {
        await _bed.Queue.SendAsync(CloudEvent, base64: true);
        var message = Assert.Single(await _bed.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));

        await _bed.Queue.MoveToPoisonAsync(message, "data.changedAt: not a date");

        var poisoned = Assert.Single(await _bed.Queue.ReceivePoisonAsync(32, TimeSpan.FromSeconds(30)));
        using var envelope = JsonDocument.Parse(poisoned.Body);
        Assert.Equal("data.changedAt: not a date", envelope.RootElement.GetProperty("reason").GetString());
        Assert.Equal(message.RawText, envelope.RootElement.GetProperty("message").GetString());
        Assert.Equal(1, envelope.RootElement.GetProperty("dequeueCount").GetInt64());
        Assert.Equal(message.MessageId, envelope.RootElement.GetProperty("messageId").GetString());
        Assert.Empty(await _bed.Queue.ReceiveAsync(32, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, _bed.Counter.Count(_bed.Options.PoisonQueueName, "send"));
        Assert.Equal(1, _bed.Counter.Count(_bed.Options.QueueName, "delete"));
    }

    [Fact]
    public async Task A_message_too_large_for_one_envelope_is_poisoned_in_parts_that_concatenate_to_it()
    {
        var large = "{\"data\":\"" + new string('x', 30_000) + "\\n\\\"quoted\\\"" + new string('y', 30_000) + "\"}";
        await _bed.Queue.SendAsync(large);
        var message = Assert.Single(await _bed.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30)));

        await _bed.Queue.MoveToPoisonAsync(message, "too big to parse");

        var parts = await _bed.Queue.ReceivePoisonAsync(32, TimeSpan.FromSeconds(30));
        var envelopes = parts.Select(p => JsonDocument.Parse(p.Body).RootElement).OrderBy(e => e.GetProperty("part").GetInt32()).ToList();
        Assert.True(envelopes.Count > 1);
        Assert.All(envelopes, e => Assert.Equal("too big to parse", e.GetProperty("reason").GetString()));
        Assert.All(envelopes, e => Assert.Equal(envelopes.Count, e.GetProperty("parts").GetInt32()));
        Assert.Equal(large, string.Concat(envelopes.Select(e => e.GetProperty("message").GetString())));
    }

    [Theory]
    [InlineData("{\"a\":1}", "{\"a\":1}")]
    [InlineData("eyJhIjoxfQ==", "{\"a\":1}")]
    [InlineData("not base64 at all!", "not base64 at all!")]
    [InlineData("/w==", "/w==")] // decodes to a byte that is not UTF-8: kept as it was
    public void Queue_text_is_base64_decoded_only_when_it_is_base64_of_UTF8(string raw, string expected) =>
        Assert.Equal(expected, GuardianEventQueue.Decode(raw));
}
