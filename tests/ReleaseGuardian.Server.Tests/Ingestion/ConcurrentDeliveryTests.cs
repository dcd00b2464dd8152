using System.Net;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>Identical deliveries racing each other over real HTTP are recorded exactly once and answered alike.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrentDeliveryTests(AzuriteFixture azurite) : IDisposable
{
    private const int Deliveries = 20;
    private const string GuardianId = "checkout";
    private GuardianServer? _server;

    [Theory]
    [InlineData("launchdarkly", false)] // the audit entry's date: one entity, the row key de-duplicates
    [InlineData("configcat", true)] // the signed timestamp header: a de-dup marker beside each event row
    [InlineData("gofeatureflag", true)] // receipt time: a de-dup marker beside each event row
    public async Task Twenty_concurrent_identical_flag_deliveries_are_all_answered_202_alike_and_recorded_once(string provider, bool withMarkers)
    {
        _server = IngestionServer.Start(azurite, ($"Webhooks:{provider}:Secret", Secret));
        using var management = _server.Management();
        var key = provider switch { "configcat" => "newCheckout", _ => "new-checkout" };
        var (project, environment) = provider switch
        {
            "launchdarkly" => ("default", "production"),
            "configcat" => ("Main Config", "Production"),
            _ => ((string?)null, (string?)null),
        };
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag(provider, key, project, environment));
        var delivery = Signed(provider, Sample(provider), Secret, DateTimeOffset.UtcNow);
        using var client = _server.Anonymous();

        var answers = await Task.WhenAll(Enumerable.Range(0, Deliveries).Select(_ => client.PostAsync($"/api/webhooks/flags/{provider}", delivery)));

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Accepted, a.Body));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(await management.TimelineAsync(GuardianId));
        var rows = new List<Azure.Data.Tables.TableEntity>();
        await foreach (var row in azurite.Tables().GetTableClient(_server.Prefix + "Events").QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            rows.Add(row);
        }

        // One time row per change the delivery carries (GO Feature Flag and ConfigCat batch several flags).
        var events = rows.Count(r => !r.RowKey.StartsWith('~'));
        Assert.Equal(answers[0].Json.GetProperty("count").GetInt32(), events);
        Assert.Equal(withMarkers ? events : 0, rows.Count(r => r.RowKey.StartsWith("~dedup|", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Twenty_concurrent_identical_load_test_results_are_all_answered_202_alike_and_recorded_once()
    {
        const string LoadTestSecret = "k6-secret";
        _server = IngestionServer.Start(azurite, ("Webhooks:k6:Secret", LoadTestSecret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId);
        var body = ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries.LoadTestPayload("k6-handle-summary.json");
        var headers = new Dictionary<string, string> { [GuardianSignature.HeaderName] = GuardianSignature.Sign(LoadTestSecret, body) };
        using var client = _server.Anonymous();

        var answers = await Task.WhenAll(Enumerable.Range(0, Deliveries).Select(_ =>
            client.PostAsync($"/api/webhooks/loadtests/k6?guardian={GuardianId}&end=2026-11-24T10:01:00Z", body, "application/json", headers)));

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Accepted, a.Body));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(await management.TimelineAsync(GuardianId));
    }

    public void Dispose() => _server?.Dispose();
}
