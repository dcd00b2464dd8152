using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents.CloudEventsReaderTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents;

/// <summary>
/// A CloudEvent's time is payload time when it comes from the data or from the body's <c>time</c> attribute;
/// a binary-mode <c>ce-time</c> header is treated like any other per-delivery header.
/// </summary>
public sealed class CloudEventTimeOriginTests
{
    private static Dictionary<string, string> BinaryHeaders(string? time) => new()
    {
        ["ce-specversion"] = "1.0",
        ["ce-id"] = "change-42",
        ["ce-source"] = "/scripts",
        ["ce-type"] = "releaseguardian.flag.changed.v1",
        ["ce-time"] = time ?? "2026-11-24T09:55:00Z",
    };

    [Fact]
    public void A_structured_event_takes_its_time_from_the_payload()
    {
        var evt = Assert.Single(ReadAccepted(Request(EventPayload("flag-changed.structured.json"), contentType: "application/cloudevents+json")).Events);

        Assert.True(evt.TimeFromPayload);
    }

    [Fact]
    public void A_structured_event_without_data_changedAt_uses_the_time_attribute_in_the_body_which_is_payload_time()
    {
        var node = JsonNode.Parse(EventPayload("flag-changed.structured.json"))!;
        node["data"]!.AsObject().Remove("changedAt");
        node["time"] = "2026-11-24T09:59:00Z";

        var evt = Assert.Single(ReadAccepted(Request(node.ToJsonString(), contentType: "application/cloudevents+json")).Events);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 59, 0, TimeSpan.Zero), evt.Time);
        Assert.True(evt.TimeFromPayload);
    }

    [Fact]
    public void A_binary_event_with_data_changedAt_takes_its_time_from_the_payload()
    {
        var evt = Assert.Single(ReadAccepted(Request(EventPayload("flag-changed.data.json"), headers: BinaryHeaders(null), contentType: "application/json")).Events);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 54, 58, TimeSpan.Zero), evt.Time);
        Assert.True(evt.TimeFromPayload);
    }

    [Fact]
    public void A_binary_event_whose_time_comes_from_the_ce_time_header_takes_the_safe_path()
    {
        var data = JsonNode.Parse(EventPayload("flag-changed.data.json"))!.AsObject();
        data.Remove("changedAt");

        var evt = Assert.Single(ReadAccepted(Request(data.ToJsonString(), headers: BinaryHeaders("2026-11-24T09:56:00Z"), contentType: "application/json")).Events);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 56, 0, TimeSpan.Zero), evt.Time);
        Assert.False(evt.TimeFromPayload);
    }

    [Fact]
    public void Every_event_of_a_batch_takes_its_time_from_the_payload()
    {
        var events = ReadAccepted(Request(EventPayload("batch.json"), contentType: "application/cloudevents-batch+json")).Events;

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.True(e.TimeFromPayload, $"{e.Type} {e.Id}"));
    }
}
