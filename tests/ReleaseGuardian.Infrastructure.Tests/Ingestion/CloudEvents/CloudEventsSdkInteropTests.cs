using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents.CloudEventsReaderTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents;

/// <summary>
/// The hand-written reader against the CNCF CloudEvents SDK (CloudNative.CloudEvents 2.9, System.Text.Json formatter):
/// what senders using the SDK encode, in each mode, is read with the same attributes, and the repository's samples
/// are CloudEvents the SDK decodes too. The reader is kept for its errors (docs/webhooks-loadtests-and-events.md).
/// </summary>
public sealed class CloudEventsSdkInteropTests
{
    private static readonly JsonEventFormatter Formatter = new();
    private static readonly DateTimeOffset ChangedAt = new(2026, 11, 24, 9, 54, 58, TimeSpan.Zero);

    private static CloudEvent FlagChange(string id) => new()
    {
        Id = id,
        Source = new Uri("/ci/github/contoso/flags", UriKind.Relative),
        Type = EventTypes.FlagChanged,
        Subject = "new-checkout",
        Time = ChangedAt,
        DataContentType = "application/json",
        Data = JsonDocument.Parse("""{"flagKey":"new-checkout","provider":"flagd","previous":{"variant":"off"},"current":{"variant":"on"},"actor":"ci-bot@contoso.com","changedAt":"2026-11-24T09:54:58Z"}""").RootElement,
    };

    [Fact]
    public void A_structured_event_the_SDK_encodes_is_read_with_its_attributes_and_data()
    {
        var body = Formatter.EncodeStructuredModeMessage(FlagChange("sdk-1"), out var contentType);

        var flag = Assert.IsType<FlagChangedEvent>(Assert.Single(ReadAccepted(Request(body.ToArray(), contentType: contentType.ToString())).Events));

        Assert.Equal(("/ci/github/contoso/flags", "sdk-1", ChangedAt), (flag.Source, flag.Id, flag.Time));
        Assert.Equal(("new-checkout", "on", "ci-bot@contoso.com"), (flag.Change.FlagKey, flag.Change.Current.Variant, flag.Change.Actor));
    }

    [Fact]
    public void A_batch_the_SDK_encodes_is_read_whole_and_in_order()
    {
        var body = Formatter.EncodeBatchModeMessage([FlagChange("sdk-1"), FlagChange("sdk-2"), FlagChange("sdk-3")], out var contentType);

        var result = ReadAccepted(Request(body.ToArray(), contentType: contentType.ToString()));

        Assert.True(result.IsBatch);
        Assert.Equal(["sdk-1", "sdk-2", "sdk-3"], result.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task A_binary_mode_event_the_SDK_encodes_is_read_from_the_headers_it_sets()
    {
        using var content = FlagChange("sdk-binary").ToHttpContent(ContentMode.Binary, Formatter);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/api/events") { Content = content };
        var headers = request.Headers.Concat(content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);

        var result = ReadAccepted(Request(await content.ReadAsByteArrayAsync(), headers: headers, contentType: content.Headers.ContentType?.ToString()));

        var flag = Assert.IsType<FlagChangedEvent>(Assert.Single(result.Events));
        Assert.Equal(("/ci/github/contoso/flags", "sdk-binary", ChangedAt), (flag.Source, flag.Id, flag.Time));
    }

    [Theory]
    [InlineData("flag-changed.structured.json", CloudEventsReader.StructuredMediaType)]
    [InlineData("batch.json", CloudEventsReader.BatchMediaType)]
    public void The_repositorys_samples_are_CloudEvents_the_SDK_decodes_to_the_same_ids(string file, string mediaType)
    {
        var body = EventPayload(file);
        var ours = ReadAccepted(Request(body, contentType: mediaType)).Events;

        IReadOnlyList<CloudEvent> sdk = mediaType == CloudEventsReader.BatchMediaType
            ? Formatter.DecodeBatchModeMessage(body, new ContentType(mediaType), null)
            : [Formatter.DecodeStructuredModeMessage(body, new ContentType(mediaType), null)];

        Assert.Equal(sdk.Select(e => (e.Source!.ToString(), e.Id!, e.Type!)), ours.Select(e => (e.Source, e.Id, e.Type)));
    }
}
