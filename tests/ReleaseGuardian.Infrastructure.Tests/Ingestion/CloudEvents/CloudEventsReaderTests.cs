using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents;

public sealed class CloudEventsReaderTests
{
    internal static byte[] EventPayload(string file) => Payload("CloudEvents", file);

    internal static CloudEventsReadResult ReadAccepted(WebhookRequest request)
    {
        var result = CloudEventsReader.Read(request);
        Assert.True(result.IsAccepted, string.Join("; ", result.Problems.Select(p => $"{p.Field}: {p.Detail}")));
        Assert.Empty(result.Problems);
        return result;
    }

    internal static IngestProblem ReadRejected(WebhookRequest request, int status = 400)
    {
        var result = CloudEventsReader.Read(request);
        Assert.False(result.IsAccepted);
        Assert.Empty(result.Events);
        Assert.Equal(status, result.StatusCode);
        return result.Problem!;
    }

    [Fact]
    public void A_structured_flagd_flag_change_becomes_a_FlagChangedEvent_keyed_by_source_and_id()
    {
        var result = ReadAccepted(Request(EventPayload("flag-changed.structured.json"), contentType: "application/cloudevents+json; charset=utf-8"));

        var flag = Assert.IsType<FlagChangedEvent>(Assert.Single(result.Events));
        Assert.Equal("/ci/github/contoso/flags", flag.Source);
        Assert.Equal("8f2c1e0a-5d1b-4c59-9a0e-3e7b6f0c2d11", flag.Id);
        Assert.Equal(EventTypes.FlagChanged, flag.Type);
        Assert.Equal("flagd", flag.Change.Provider);
        Assert.Equal("new-checkout", flag.Change.FlagKey);
        Assert.Equal("production", flag.Change.Environment);
        Assert.Null(flag.Change.Project);
        Assert.Equal(new ReleaseGuardian.Core.Flags.FlagState(true, "off"), flag.Change.Previous);
        Assert.Equal(new ReleaseGuardian.Core.Flags.FlagState(true, "on"), flag.Change.Current);
        Assert.Equal("ci-bot@contoso.com", flag.Change.Actor);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 54, 58, TimeSpan.Zero), flag.Change.ChangedAt);
        Assert.Equal(flag.Change.ChangedAt, flag.Time);
        Assert.Equal(flag.Id, flag.Change.ChangeId);
        Assert.Equal("azblob://flags/flags.json", flag.Change.ProviderRefs["syncSource"]);
        Assert.Contains("new-checkout", flag.Change.RawPayload, StringComparison.Ordinal);
        Assert.False(result.IsBatch);
    }

    [Fact]
    public void A_binary_mode_event_takes_its_attributes_from_ce_headers_and_its_data_from_the_body()
    {
        var result = ReadAccepted(Request(
            EventPayload("flag-changed.data.json"),
            headers: new Dictionary<string, string>
            {
                ["ce-specversion"] = "1.0",
                ["ce-id"] = "change-42",
                ["ce-source"] = "/scripts/flip%20flag",
                ["ce-type"] = "releaseguardian.flag.changed.v1",
                ["ce-time"] = "2026-11-24T09:55:00Z",
            },
            contentType: "application/json"));

        var flag = Assert.IsType<FlagChangedEvent>(Assert.Single(result.Events));
        Assert.Equal("/scripts/flip flag", flag.Source);
        Assert.Equal("change-42", flag.Change.ChangeId);
        Assert.Equal(new ReleaseGuardian.Core.Flags.FlagState(false), flag.Change.Current);
        Assert.Equal("flagd", flag.Change.Provider);
    }

    [Theory]
    [InlineData("ce-id")]
    [InlineData("ce-source")]
    [InlineData("ce-type")]
    public void A_binary_mode_event_missing_a_required_header_is_rejected_naming_it(string missing)
    {
        var headers = new Dictionary<string, string>
        {
            ["ce-specversion"] = "1.0",
            ["ce-id"] = "change-42",
            ["ce-source"] = "/scripts",
            ["ce-type"] = "releaseguardian.flag.changed.v1",
        };
        headers.Remove(missing);
        Assert.Equal(missing, ReadRejected(Request(EventPayload("flag-changed.data.json"), headers: headers)).Field);
    }

    [Fact]
    public void A_binary_mode_event_with_non_JSON_data_is_rejected_with_415()
    {
        var headers = new Dictionary<string, string>
        {
            ["ce-specversion"] = "1.0",
            ["ce-id"] = "change-42",
            ["ce-source"] = "/scripts",
            ["ce-type"] = "releaseguardian.flag.changed.v1",
        };
        var problem = ReadRejected(Request("flagKey=new-checkout", headers: headers, contentType: "application/x-www-form-urlencoded"), 415);
        Assert.Equal("Content-Type", problem.Field);
    }

    [Fact]
    public void A_batch_yields_every_event_in_order()
    {
        var result = ReadAccepted(Request(EventPayload("batch.json"), contentType: "application/cloudevents-batch+json"));

        Assert.True(result.IsBatch);
        Assert.Equal(3, result.Events.Count);
        Assert.IsType<FlagChangedEvent>(result.Events[0]);
        var loadTest = Assert.IsType<LoadTestFinishedEvent>(result.Events[1]);
        Assert.Equal("checkout", loadTest.Result.GuardianId);
        Assert.Equal("run-6", loadTest.Result.TestId);
        Assert.Equal("k6", loadTest.Result.Tool);
        Assert.Equal(RunPurpose.Validation, loadTest.Result.Purpose);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 1, 0, TimeSpan.Zero), loadTest.Time);
        Assert.Equal(512.3, loadTest.Result.Signals!["latency.p95"]);
        Assert.Equal(-0.02, loadTest.Result.Signals["checkout.conversion"]);
        Assert.Equal(4, loadTest.Result.Signals.Count);
        var chaos = Assert.IsType<ChaosFinishedEvent>(result.Events[2]);
        Assert.Equal("generic", chaos.Result.Engine);
        Assert.Equal(100, chaos.Result.ResilienceScore);
        Assert.Equal("/ci/chaos\nchaos-7", chaos.DedupKey);
    }

    [Fact]
    public void A_batch_with_bad_events_is_rejected_whole_listing_every_bad_index()
    {
        var result = CloudEventsReader.Read(Request(EventPayload("batch-bad.json"), contentType: "application/cloudevents-batch+json"));

        Assert.False(result.IsAccepted);
        Assert.Empty(result.Events);
        Assert.Equal(400, result.StatusCode);
        Assert.Equal(["[1].id", "[2].type"], result.Problems.Select(p => p.Field));
    }

    [Fact]
    public void A_batch_of_more_than_100_events_is_rejected()
    {
        var one = JsonSerializer.Deserialize<JsonElement>(EventPayload("flag-changed.structured.json")).GetRawText();
        var body = "[" + string.Join(",", Enumerable.Repeat(one, 101)) + "]";
        var problem = ReadRejected(Request(body, contentType: "application/cloudevents-batch+json"));
        Assert.Contains("100", problem.Detail, StringComparison.Ordinal);

        var hundred = "[" + string.Join(",", Enumerable.Repeat(one, 100)) + "]";
        Assert.Equal(100, ReadAccepted(Request(hundred, contentType: "application/cloudevents-batch+json")).Events.Count);
    }

    [Fact]
    public void Plain_JSON_holding_one_event_or_an_array_is_accepted()
    {
        Assert.Single(ReadAccepted(Request(EventPayload("flag-changed.structured.json"), contentType: "application/json")).Events);
        Assert.Equal(3, ReadAccepted(Request(EventPayload("batch.json"), contentType: "application/json")).Events.Count);
    }

    [Fact]
    public void A_queue_message_may_be_plain_JSON_or_base64_of_JSON()
    {
        var json = Encoding.UTF8.GetString(EventPayload("batch.json"));
        var plain = CloudEventsReader.DecodeQueueMessage(json);
        var base64 = CloudEventsReader.DecodeQueueMessage(Convert.ToBase64String(EventPayload("batch.json")));

        Assert.True(plain.IsAccepted);
        Assert.True(base64.IsAccepted);
        Assert.Equal(plain.Events.Select(e => e.DedupKey), base64.Events.Select(e => e.DedupKey));
        Assert.Equal(3, base64.Events.Count);

        var garbage = CloudEventsReader.DecodeQueueMessage("not json, not base64!");
        Assert.False(garbage.IsAccepted);
        Assert.Equal("message", garbage.Problem!.Field);
    }

    [Fact]
    public void A_queue_message_whose_id_holds_a_lone_surrogate_is_refused_naming_the_id_in_both_encodings()
    {
        // The sample event with its id replaced by a lone surrogate escape: valid UTF-8 on the wire, undecodable as text.
        var sample = Encoding.UTF8.GetString(EventPayload("flag-changed.structured.json"));
        var hostile = System.Text.RegularExpressions.Regex.Replace(sample, "\"id\"\\s*:\\s*\"[^\"]*\"", "\"id\": \"a\\ud800b\"");
        Assert.NotEqual(sample, hostile);

        foreach (var message in new[] { hostile, Convert.ToBase64String(Encoding.UTF8.GetBytes(hostile)) })
        {
            var result = CloudEventsReader.DecodeQueueMessage(message);
            Assert.False(result.IsAccepted);
            Assert.Equal("id", result.Problem!.Field);
            Assert.Contains("surrogate", result.Problem.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ParseJson_reads_a_single_event_from_bytes()
    {
        var result = CloudEventsReader.ParseJson(EventPayload("flag-changed.structured.json"));
        Assert.IsType<FlagChangedEvent>(Assert.Single(result.Events));
    }

    [Theory]
    [InlineData("specversion")]
    [InlineData("id")]
    [InlineData("source")]
    [InlineData("type")]
    public void A_structured_event_missing_a_required_attribute_is_rejected_naming_it(string attribute)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(EventPayload("flag-changed.structured.json"))!.AsObject();
        node.Remove(attribute);
        var problem = ReadRejected(Request(node.ToJsonString(), contentType: "application/cloudevents+json"));
        Assert.Equal(attribute, problem.Field);
    }

    [Theory]
    [InlineData("specversion", "\"0.3\"", "specversion")]
    [InlineData("id", "42", "id")]
    [InlineData("time", "\"yesterday\"", "time")]
    [InlineData("datacontenttype", "\"text/plain\"", "datacontenttype")]
    [InlineData("type", "\"com.example.order.created\"", "type")]
    [InlineData("type", "\"releaseguardian.flag.rolledback.v1\"", "type")]
    public void A_structured_event_with_a_bad_attribute_is_rejected_naming_it(string attribute, string json, string field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(EventPayload("flag-changed.structured.json"))!.AsObject();
        node[attribute] = System.Text.Json.Nodes.JsonNode.Parse(json);
        Assert.Equal(field, ReadRejected(Request(node.ToJsonString(), contentType: "application/cloudevents+json")).Field);
    }

    [Theory]
    [InlineData("flagKey", "data.flagKey")]
    [InlineData("current", "data.current")]
    [InlineData("changedAt", null)]
    public void A_flag_change_missing_data_is_rejected_naming_the_path(string property, string? field)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(EventPayload("flag-changed.structured.json"))!.AsObject();
        node["data"]!.AsObject().Remove(property);
        if (field is null)
        {
            // changedAt falls back to the event's time.
            var result = ReadAccepted(Request(node.ToJsonString(), contentType: "application/cloudevents+json"));
            Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 55, 0, TimeSpan.Zero), ((FlagChangedEvent)result.Events[0]).Change.ChangedAt);
            return;
        }

        Assert.Equal(field, ReadRejected(Request(node.ToJsonString(), contentType: "application/cloudevents+json")).Field);
    }

    [Theory]
    [InlineData("""{"testId":"r","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.guardian")]
    [InlineData("""{"guardian":"Checkout","testId":"r","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.guardian")]
    [InlineData("""{"guardian":"checkout","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.testId")]
    [InlineData("""{"guardian":"checkout","testId":"r","end":"2026-11-24T10:01:00Z"}""", "data.start")]
    [InlineData("""{"guardian":"checkout","testId":"r","start":"2026-11-24T10:00:00Z"}""", "data.end")]
    [InlineData("""{"guardian":"checkout","testId":"r","purpose":"smoke","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.purpose")]
    [InlineData("""{"guardian":"checkout","testId":"r","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z","signals":{"errors.rate":1.2}}""", "data.signals[\"errors.rate\"]")]
    [InlineData("""{"guardian":"checkout","testId":"r","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z","signals":{"latency.p95":"fast"}}""", "data.signals[\"latency.p95\"]")]
    [InlineData("""{"guardian":"checkout","testId":"r","start":"2026-11-24T10:02:00Z","end":"2026-11-24T10:01:00Z"}""", "data.end")]
    public void A_bad_load_test_finished_event_is_rejected_naming_the_data_path(string data, string field)
    {
        var body = $$"""{"specversion":"1.0","id":"x","source":"/ci","type":"releaseguardian.loadtest.finished.v1","data":{{data}}}""";
        Assert.Equal(field, ReadRejected(Request(body, contentType: "application/cloudevents+json")).Field);
    }

    [Fact]
    public void Data_given_as_base64_is_decoded()
    {
        var data = Convert.ToBase64String(EventPayload("flag-changed.data.json"));
        var body = $$"""{"specversion":"1.0","id":"x","source":"/ci","type":"releaseguardian.flag.changed.v1","datacontenttype":"application/json","data_base64":"{{data}}"}""";
        var flag = Assert.IsType<FlagChangedEvent>(Assert.Single(ReadAccepted(Request(body, contentType: "application/cloudevents+json")).Events));
        Assert.Equal("new-checkout", flag.Change.FlagKey);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data; boundary=x")]
    public void An_unsupported_media_type_is_rejected_with_415(string contentType)
    {
        var problem = ReadRejected(Request(EventPayload("flag-changed.structured.json"), contentType: contentType), 415);
        Assert.Equal("Content-Type", problem.Field);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_rejected()
    {
        var deep = new string('[', 70) + new string(']', 70);
        var problem = ReadRejected(Request(deep, contentType: "application/cloudevents-batch+json"));
        Assert.Equal("body", problem.Field);
    }

    [Fact]
    public void An_Event_Grid_subscription_validation_is_answered_with_the_validation_code()
    {
        var result = CloudEventsReader.Read(Request(
            EventPayload("eventgrid-validation.json"),
            headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" }));

        Assert.True(CloudEventsReader.IsEventGridValidation(Request(Array.Empty<byte>(), headers: new Dictionary<string, string> { ["Aeg-Event-Type"] = "SubscriptionValidation" })));
        Assert.False(CloudEventsReader.IsEventGridValidation(Request(Array.Empty<byte>(), headers: new Dictionary<string, string> { ["aeg-event-type"] = "Notification" })));
        Assert.True(result.IsHandshake);
        Assert.False(result.IsAccepted);
        Assert.Empty(result.Events);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("""{"validationResponse":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}""", result.HandshakeResponseJson);
    }

    [Fact]
    public void An_Event_Grid_validation_without_a_code_is_rejected_naming_it()
    {
        var body = """[{"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","data":{}}]""";
        var problem = ReadRejected(Request(body, headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" }));
        Assert.Equal("[0].data.validationCode", problem.Field);
    }

    [Fact]
    public void The_OPTIONS_handshake_echoes_the_origin_and_allows_POST()
    {
        var answer = CloudEventsReader.AnswerValidationRequest(Request(
            Array.Empty<byte>(),
            headers: new Dictionary<string, string> { ["webhook-request-origin"] = "eventgrid.azure.net" },
            contentType: null));

        Assert.Null(answer.Problem);
        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("eventgrid.azure.net", answer.Headers["WebHook-Allowed-Origin"]);
        Assert.Equal("*", answer.Headers["WebHook-Allowed-Rate"]);
        Assert.Equal("POST, OPTIONS", answer.Headers["Allow"]);
    }

    [Fact]
    public void The_OPTIONS_handshake_without_an_origin_is_rejected_naming_the_header()
    {
        var answer = CloudEventsReader.AnswerValidationRequest(Request(Array.Empty<byte>(), contentType: null));
        Assert.Equal(400, answer.StatusCode);
        Assert.Equal("WebHook-Request-Origin", answer.Problem!.Field);
        Assert.Empty(answer.Headers);
    }
}
