using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>POST/OPTIONS /api/events over real HTTP against Azurite, read back through the timeline.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CloudEventsTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private const string Secret = "events-secret-51c0";
    private const string Structured = "application/cloudevents+json";
    private const string Batch = "application/cloudevents-batch+json";
    private GuardianServer? _server;

    private async Task<GuardianServer> StartAsync()
    {
        _server = IngestionServer.Start(azurite, ("Webhooks:events:Secret", Secret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("flagd", "new-checkout"));
        return _server;
    }

    /// <summary>One event of each inbound type, its data taken from the shared samples.</summary>
    private static JsonObject Event(string kind, string id) => kind switch
    {
        "flag" => Envelope(id, "/ci/flags", "releaseguardian.flag.changed.v1", "2026-11-24T09:55:00Z",
            JsonNode.Parse(Payload("CloudEvents", "flag-changed.data.json"))!),
        "loadtest" => Envelope(id, "/ci/loadtests", "releaseguardian.loadtest.finished.v1", "2026-11-24T10:01:05Z",
            JsonNode.Parse(Payload("CloudEvents", "batch.json"))![1]!["data"]!.DeepClone()),
        "chaos" => Envelope(id, "/k8s/shop", "releaseguardian.chaos.finished.v1", "2026-11-24T10:03:10Z",
            JsonNode.Parse(Payload("CloudEvents", "litmus-chaosresult-pass.json"))!),
        _ => throw new ArgumentException(kind),
    };

    private static JsonObject Envelope(string id, string source, string type, string time, JsonNode data) => new()
    {
        ["specversion"] = "1.0",
        ["id"] = id,
        ["source"] = source,
        ["type"] = type,
        ["time"] = time,
        ["datacontenttype"] = "application/json",
        ["data"] = data,
    };

    private static Dictionary<string, string> Signature(byte[] body, string secret = Secret) =>
        new() { [GuardianSignature.HeaderName] = GuardianSignature.Sign(secret, body) };

    private static Task<Answer> PostEventAsync(HttpClient client, string mode, JsonObject evt)
    {
        switch (mode)
        {
            case "structured":
                var structured = Encoding.UTF8.GetBytes(evt.ToJsonString());
                return client.PostAsync("/api/events", structured, Structured, Signature(structured));
            case "batch":
                var batch = Encoding.UTF8.GetBytes(new JsonArray(evt.DeepClone()).ToJsonString());
                return client.PostAsync("/api/events", batch, Batch, Signature(batch));
            case "binary":
                var data = Encoding.UTF8.GetBytes(evt["data"]!.ToJsonString());
                var headers = Signature(data);
                foreach (var attribute in new[] { "specversion", "id", "source", "type", "time" })
                {
                    headers["ce-" + attribute] = evt[attribute]!.GetValue<string>();
                }

                return client.PostAsync("/api/events", data, "application/json", headers);
            default:
                throw new ArgumentException(mode);
        }
    }

    private async Task<IReadOnlyList<TimelineItem>> TimelineAsync(string guardianId = GuardianId)
    {
        using var management = _server!.Management();
        return await management.TimelineAsync(guardianId);
    }

    public static TheoryData<string, string> ModesAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (var mode in new[] { "structured", "binary", "batch" })
        {
            foreach (var kind in new[] { "flag", "loadtest", "chaos" })
            {
                data.Add(mode, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModesAndKinds))]
    public async Task A_signed_event_is_recorded_and_shows_on_the_guardians_timeline(string mode, string kind)
    {
        var server = await StartAsync();
        var evt = Event(kind, $"{kind}-{mode}-1");
        using var client = server.Anonymous();

        var answer = await PostEventAsync(client, mode, evt);

        var accepted = Assert.Single(answer.AssertAccepted(1));
        Assert.Equal(evt["type"]!.GetValue<string>(), accepted.GetProperty("type").GetString());
        Assert.Equal(evt["id"]!.GetValue<string>(), accepted.GetProperty("id").GetString());
        Assert.Equal(evt["source"]!.GetValue<string>(), accepted.GetProperty("source").GetString());

        var entry = Assert.Single(await TimelineAsync());
        Assert.Equal(evt["id"]!.GetValue<string>(), entry.Id);
        var data = entry.Data;
        switch (kind)
        {
            case "flag":
                Assert.Equal("flagChange", entry.Kind);
                Assert.Equal(("flagd", "new-checkout"), (data.GetProperty("provider").GetString(), data.GetProperty("flagKey").GetString()));
                Assert.True(data.GetProperty("previous").GetProperty("enabled").GetBoolean());
                Assert.Equal("off", data.GetProperty("previous").GetProperty("variant").GetString());
                Assert.False(data.GetProperty("current").GetProperty("enabled").GetBoolean());
                break;
            case "loadtest":
                Assert.Equal("loadTest", entry.Kind);
                Assert.Equal($"{GuardianId}:lt-run-6", accepted.GetProperty("instanceId").GetString());
                Assert.Equal(("run-6", "k6", "validation"), (data.GetProperty("testId").GetString(), data.GetProperty("tool").GetString(), data.GetProperty("purpose").GetString()));
                Assert.Equal(512.3, data.GetProperty("signals").GetProperty("latency.p95").GetDouble());
                Assert.Equal(-0.02, data.GetProperty("signals").GetProperty("checkout.conversion").GetDouble());
                break;
            case "chaos":
                Assert.Equal("chaos", entry.Kind);
                Assert.Equal(GuardianId, accepted.GetProperty("guardian").GetString());
                Assert.StartsWith(GuardianId + ":chaos-", accepted.GetProperty("instanceId").GetString(), StringComparison.Ordinal);
                Assert.Equal(("pod-delete", "Pass"), (data.GetProperty("experiment").GetString(), data.GetProperty("verdict").GetString()));
                Assert.Equal(100, data.GetProperty("resilienceScore").GetDouble());
                Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:03:10Z", System.Globalization.CultureInfo.InvariantCulture), data.GetProperty("end").GetDateTimeOffset());
                break;
        }
    }

    [Fact]
    public async Task A_batch_with_one_event_of_each_type_records_all_three()
    {
        var server = await StartAsync();
        var body = Payload("CloudEvents", "batch.json");
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Batch, Signature(body));

        var events = answer.AssertAccepted(3);
        Assert.Equal(["flag-1", "run-6", "chaos-7"], events.Select(e => e.GetProperty("id").GetString()));
        var timeline = await TimelineAsync();
        Assert.Equal(["chaos", "loadTest", "flagChange"], timeline.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_batch_with_bad_events_is_rejected_with_400_listing_every_bad_index_and_nothing_from_it_is_stored()
    {
        var server = await StartAsync();
        var body = Payload("CloudEvents", "batch-bad.json");
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Batch, Signature(body));

        var problem = answer.AssertProblem(HttpStatusCode.BadRequest, "[1].id");
        Assert.Contains("[2].type", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("[0]", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_batch_naming_an_unknown_guardian_is_rejected_with_404_naming_its_index_and_nothing_from_it_is_stored()
    {
        var server = await StartAsync();
        var loadTest = Event("loadtest", "run-ghost");
        loadTest["data"]!["guardian"] = "ghost";
        var body = Encoding.UTF8.GetBytes(new JsonArray(Event("flag", "flag-ok"), loadTest).ToJsonString());
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Batch, Signature(body));

        answer.AssertProblem(HttpStatusCode.NotFound, "[1].guardian");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_media_type_the_endpoint_does_not_take_is_answered_415_naming_Content_Type()
    {
        var server = await StartAsync();
        var body = Encoding.UTF8.GetBytes(Event("flag", "flag-xml").ToJsonString());
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, "text/plain", Signature(body));

        answer.AssertProblem(HttpStatusCode.UnsupportedMediaType, "Content-Type");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task An_unsigned_event_is_rejected_with_401_naming_X_Guardian_Signature()
    {
        var server = await StartAsync();
        var body = Encoding.UTF8.GetBytes(Event("flag", "flag-unsigned").ToJsonString());
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Structured);

        answer.AssertProblem(HttpStatusCode.Unauthorized, GuardianSignature.HeaderName);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task An_event_signed_with_the_wrong_secret_is_rejected_with_401()
    {
        var server = await StartAsync();
        var body = Encoding.UTF8.GetBytes(Event("flag", "flag-wrong").ToJsonString());
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Structured, Signature(body, "wrong"));

        answer.AssertProblem(HttpStatusCode.Unauthorized, GuardianSignature.HeaderName);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task With_AllowUnsigned_and_no_secret_an_unsigned_event_is_recorded()
    {
        _server = IngestionServer.Start(azurite, ("Webhooks:events:AllowUnsigned", "true"));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("flagd", "new-checkout"));
        var body = Encoding.UTF8.GetBytes(Event("flag", "flag-unsigned-allowed").ToJsonString());
        using var client = _server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, Structured);

        answer.AssertAccepted(1);
        Assert.Equal("flag-unsigned-allowed", Assert.Single(await TimelineAsync()).Id);
    }

    [Fact]
    public async Task A_replayed_event_gets_the_same_answer_and_is_stored_once()
    {
        var server = await StartAsync();
        var body = Encoding.UTF8.GetBytes(Event("chaos", "chaos-replayed").ToJsonString());
        using var client = server.Anonymous();

        var first = await client.PostAsync("/api/events", body, Structured, Signature(body));
        var second = await client.PostAsync("/api/events", body, Structured, Signature(body));

        first.AssertAccepted(1);
        Assert.Equal((first.Status, first.Body), (second.Status, second.Body));
        Assert.Single(await TimelineAsync());
    }

    [Fact]
    public async Task The_Event_Grid_subscription_validation_passes_without_a_signature_and_stores_nothing()
    {
        var server = await StartAsync();
        var body = Payload("CloudEvents", "eventgrid-validation.json");
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/events", body, "application/json",
            new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" });

        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", answer.Json.GetProperty("validationResponse").GetString());
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task The_OPTIONS_webhook_validation_is_answered_200_with_the_allowed_origin_and_methods()
    {
        var server = await StartAsync();
        using var client = server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/events");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Origin")));
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Rate")));
        var allow = string.Join(",", response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var raw) ? raw : []));
        Assert.Contains("POST", allow, StringComparison.Ordinal);
        Assert.Contains("OPTIONS", allow, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_OPTIONS_request_without_WebHook_Request_Origin_is_answered_400_naming_the_header()
    {
        var server = await StartAsync();
        using var client = server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/events");

        using var response = await client.SendAsync(request);

        (await Answer.ReadAsync(response)).AssertProblem(HttpStatusCode.BadRequest, "WebHook-Request-Origin");
    }

    public void Dispose() => _server?.Dispose();
}
