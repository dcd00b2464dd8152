using Azure.Data.Tables;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteHarnessTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_entity_written_to_Azurite_reads_back_with_its_properties()
    {
        var table = azurite.Tables().GetTableClient(AzuriteFixture.UniqueName("smoke"));
        await table.CreateIfNotExistsAsync();

        await table.AddEntityAsync(new TableEntity("guardian", "run-1") { ["Requests"] = 1158 });
        var read = await table.GetEntityAsync<TableEntity>("guardian", "run-1");

        Assert.Equal(1158, read.Value.GetInt32("Requests"));
    }

    [Fact]
    public async Task A_message_sent_to_an_Azurite_queue_is_received()
    {
        var queue = azurite.Queues().GetQueueClient(AzuriteFixture.UniqueName("smoke"));
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("hello");
        var received = await queue.ReceiveMessageAsync();

        Assert.Equal("hello", received.Value.MessageText);
    }
}
