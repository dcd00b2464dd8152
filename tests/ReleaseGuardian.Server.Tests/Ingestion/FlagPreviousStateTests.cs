using System.Text;
using System.Text.Json.Nodes;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>Payloads that lack the state before the change get it from the last change seen for that flag.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FlagPreviousStateTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private GuardianServer? _server;

    [Fact]
    public async Task A_LaunchDarkly_toggle_without_previous_version_states_its_previous_state_on_the_first_change_too()
    {
        _server = IngestionServer.Start(azurite, ("Webhooks:launchdarkly:Secret", Secret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));
        var turnedOn = Sample("launchdarkly");
        var turnedOff = With(With(With(With(turnedOn,
            "_id", "\"65a1f0c2e4b0a1d2c3f4ffff\""),
            "date", "1764064860123"),
            "titleVerb", "\"turned off the flag\""),
            "title", "\"turned off\"");
        using var client = _server.Anonymous();

        var first = await client.PostAsync("/api/webhooks/flags/launchdarkly", Signed("launchdarkly", turnedOn));
        var second = await client.PostAsync("/api/webhooks/flags/launchdarkly", Signed("launchdarkly", turnedOff));

        first.AssertAccepted(1);
        second.AssertAccepted(1);
        var timeline = await management.TimelineAsync(GuardianId);
        Assert.Equal(["65a1f0c2e4b0a1d2c3f4ffff", "65a1f0c2e4b0a1d2c3f4a5b6"], timeline.Select(e => e.Id));
        var latest = timeline[0].Data;
        Assert.True(latest.GetProperty("previous").GetProperty("enabled").GetBoolean(), latest.GetRawText());
        Assert.False(latest.GetProperty("current").GetProperty("enabled").GetBoolean());
        // The first change seen for the flag is a toggle too, so its previous state is known without any history.
        Assert.False(timeline[1].Data.GetProperty("previous").GetProperty("enabled").GetBoolean(), timeline[1].Data.GetRawText());
    }

    [Fact]
    public async Task A_flagd_change_event_without_previous_state_takes_it_from_the_last_change_of_that_flag()
    {
        const string EventsSecret = "events-secret";
        _server = IngestionServer.Start(azurite, ("Webhooks:events:Secret", EventsSecret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("flagd", "new-checkout", environment: "production"));
        using var client = _server.Anonymous();

        foreach (var (id, variant, at) in new[] { ("change-1", "blue", "2026-11-24T09:00:00Z"), ("change-2", "green", "2026-11-24T09:30:00Z") })
        {
            var body = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["specversion"] = "1.0",
                ["id"] = id,
                ["source"] = "/ci/flags",
                ["type"] = "releaseguardian.flag.changed.v1",
                ["data"] = new JsonObject
                {
                    ["flagKey"] = "new-checkout",
                    ["environment"] = "production",
                    ["current"] = new JsonObject { ["enabled"] = true, ["variant"] = variant },
                    ["changedAt"] = at,
                },
            }.ToJsonString());
            var answer = await client.PostAsync("/api/events", body, "application/cloudevents+json",
                new Dictionary<string, string> { [GuardianSignature.HeaderName] = GuardianSignature.Sign(EventsSecret, body) });
            answer.AssertAccepted(1);
        }

        var timeline = await management.TimelineAsync(GuardianId);
        Assert.Equal(["change-2", "change-1"], timeline.Select(e => e.Id));
        Assert.Equal("blue", timeline[0].Data.GetProperty("previous").GetProperty("variant").GetString());
    }

    public void Dispose() => _server?.Dispose();
}
