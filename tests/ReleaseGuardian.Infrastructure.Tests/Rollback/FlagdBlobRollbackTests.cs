using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

[Collection(AzuriteCollection.Name)]
public sealed class FlagdBlobRollbackTests(AzuriteFixture azurite)
{
    /// <summary>Lets another writer change the blob right before the first conditional write goes out.</summary>
    private sealed class ConcurrentWriterPolicy(Func<Task> otherWriter) : HttpPipelinePolicy
    {
        private int _fired;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Method == RequestMethod.Put && message.Request.Headers.Contains("If-Match") &&
                Interlocked.Exchange(ref _fired, 1) == 0)
            {
                await otherWriter();
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The rollback client is asynchronous.");
    }

    private async Task<BlobClient> UploadDefinitionAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("flagd"));
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlobClient("flags/production.flagd.json");
        await blob.UploadAsync(BinaryData.FromString(FlagdFileRollbackTests.Definition));
        return blob;
    }

    private static async Task<JsonNode> ReadAsync(BlobClient blob) =>
        JsonNode.Parse((await blob.DownloadContentAsync()).Value.Content.ToString())!;

    [Fact]
    public async Task An_azblob_source_is_edited_with_the_storage_connection()
    {
        var blob = await UploadDefinitionAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Providers:flagd:Source"] = $"azblob://{blob.BlobContainerName}/{blob.Name}",
        });

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(false, "off")), default);

        Assert.Equal(1, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        var after = await ReadAsync(blob);
        Assert.Equal("DISABLED", after["flags"]!["new-checkout"]!["state"]!.GetValue<string>());
        Assert.Equal("off", after["flags"]!["new-checkout"]!["defaultVariant"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(FlagdFileRollbackTests.Definition)!["flags"]!["header-color"], after["flags"]!["header-color"]));
    }

    [Fact]
    public async Task A_writer_racing_between_read_and_write_makes_the_client_re_read_and_both_edits_survive()
    {
        var blob = await UploadDefinitionAsync();
        var other = new BlobClient(azurite.ConnectionString, blob.BlobContainerName, blob.Name);
        var race = new ConcurrentWriterPolicy(async () =>
        {
            var current = await ReadAsync(other);
            current["flags"]!["header-color"]!["defaultVariant"] = "blue";
            await other.UploadAsync(BinaryData.FromString(current.ToJsonString()), overwrite: true);
        });
        await using var services = Build(
            new Dictionary<string, string?> { ["Providers:flagd:BlobConnection"] = azurite.ConnectionString },
            s => s.Configure<FlagdRollbackOptions>(o => o.BlobClientOptions.AddPolicy(race, HttpPipelinePosition.PerCall)));

        var outcome = await Client(services, "flagd").RollBackAsync(
            Plan("flagd", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["source"] = $"azblob://{blob.BlobContainerName}/{blob.Name}" }),
            default);

        Assert.Equal(2, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        var after = await ReadAsync(blob);
        Assert.Equal("DISABLED", after["flags"]!["new-checkout"]!["state"]!.GetValue<string>());
        Assert.Equal("blue", after["flags"]!["header-color"]!["defaultVariant"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_missing_blob_fails_with_manual_steps()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("flagd"));
        await container.CreateIfNotExistsAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Providers:flagd:Source"] = $"azblob://{container.Name}/missing.json",
        });

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("HTTP 404", failed.Reason);
        Assert.Contains("\"state\": \"DISABLED\"", failed.ManualSteps);
    }

    // Issue 12, finding 5: every read is bounded, the flagd source blob included.
    [Fact]
    public async Task A_source_blob_larger_than_the_cap_is_abandoned_and_left_untouched()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, AzuriteFixture.UniqueName("flagd"));
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlobClient("flags/huge.flagd.json");
        var huge = FlagdFileRollbackTests.Definition + new string(' ', 2 * 1024 * 1024);
        await blob.UploadAsync(BinaryData.FromString(huge));
        await using var services = Build(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Providers:flagd:Source"] = $"azblob://{blob.BlobContainerName}/{blob.Name}",
            ["Outbound:MaxResponseBytes"] = "1048576",
        });

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(false, "off")), default);

        Assert.Contains("Outbound:MaxResponseBytes", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(huge, (await blob.DownloadContentAsync()).Value.Content.ToString());
    }
}
