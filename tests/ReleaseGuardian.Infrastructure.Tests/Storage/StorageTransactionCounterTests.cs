using Azure.Core;
using Azure.Core.Pipeline;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

public sealed class StorageTransactionCounterTests
{
    [Theory]
    [InlineData("GET", "http://127.0.0.1:10002/devstoreaccount1/Events(PartitionKey='a',RowKey='b')", "Events", "read")]
    [InlineData("GET", "http://127.0.0.1:10002/devstoreaccount1/Events()?$filter=x", "Events", "query")]
    [InlineData("POST", "https://acct.table.core.windows.net/Events", "Events", "insert")]
    [InlineData("PATCH", "https://acct.table.core.windows.net/Runs(PartitionKey='a',RowKey='b')", "Runs", "merge")]
    [InlineData("POST", "https://acct.table.core.windows.net/Tables", "Tables", "create")]
    [InlineData("POST", "http://127.0.0.1:10001/devstoreaccount1/guardian-events/messages", "guardian-events", "send")]
    [InlineData("GET", "https://acct.queue.core.windows.net/guardian-events/messages?numofmessages=32", "guardian-events", "receive")]
    [InlineData("DELETE", "https://acct.queue.core.windows.net/guardian-events/messages/abc?popreceipt=x", "guardian-events", "delete")]
    [InlineData("PUT", "https://acct.queue.core.windows.net/guardian-events-poison", "guardian-events-poison", "create")]
    public void Requests_are_classified_by_resource_and_operation(string method, string uri, string resource, string operation)
    {
        var pipeline = HttpPipelineBuilder.Build(new TestOptions());
        var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Parse(method);
        message.Request.Uri.Reset(new Uri(uri));

        Assert.Equal((resource, operation), StorageTransactionCounter.Classify(message.Request));
    }

    private sealed class TestOptions : ClientOptions;
}
