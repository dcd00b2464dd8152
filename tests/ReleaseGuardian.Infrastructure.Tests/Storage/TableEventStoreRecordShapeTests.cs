using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

/// <summary>
/// The two ways an event is recorded: one entity when its time comes from the payload (the row key de-duplicates),
/// a de-dup marker plus the event row otherwise. Both answer duplicates alike and look alike to every query.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableEventStoreRecordShapeTests
{
    private static readonly DateTimeOffset RecordedAt = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly FlagScope Flag = new("launchdarkly", "default", "production", "new-checkout");

    private readonly AzuriteFixture _azurite;
    private readonly StorageTestBed _bed;
    private readonly TableEventStore _events;
    private readonly ManualClock _clock = new() { Now = RecordedAt };

    public TableEventStoreRecordShapeTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _bed = new StorageTestBed(azurite);
        _events = new TableEventStore(_bed.Tables, _clock);
    }

    private static FlagChangedEvent Change(string id, DateTimeOffset at, bool fromPayload, bool enabled = true) =>
        FlagChanged(id, at, enabled) with { TimeFromPayload = fromPayload };

    /// <summary>Everything a record says, comparable by value (the event as its stored JSON).</summary>
    private static object Shape(RecordedEvent r) =>
        (r.Event.GetType(), r.Event.Source, r.Event.Id, r.Event.Time, r.Event.TimeFromPayload, EventJson.Write(r.Event), r.RecordedAt, r.RawPayload);

    private static object Shape(FlagChangedEvent e) => (e.Source, e.Id, e.Time, EventJson.Write(e));

    [Fact]
    public async Task An_event_with_payload_time_is_one_row_holding_its_raw_payload_and_no_marker()
    {
        var recorded = await _events.RecordAsync(Change("c1", T0, fromPayload: true), "{\"_id\":\"c1\"}");

        Assert.IsType<EventRecordResult.Recorded>(recorded);
        var row = Assert.Single(await _bed.AllRowsAsync(StorageTables.Events));
        Assert.DoesNotContain('~', row.RowKey);
        Assert.Equal("{\"_id\":\"c1\"}", LargeProperty.ReadCompressed(row, "Raw"));
    }

    [Fact]
    public async Task An_event_with_receipt_time_keeps_the_marker_and_the_event_row()
    {
        await _events.RecordAsync(Change("c1", T0, fromPayload: false), "{\"_id\":\"c1\"}");

        var rows = await _bed.AllRowsAsync(StorageTables.Events);
        Assert.Equal(2, rows.Count);
        Assert.Single(rows, r => r.RowKey.StartsWith("~dedup|", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sequential_duplicate_writes_nothing_and_is_answered_with_the_first_record(bool fromPayload)
    {
        var first = await _events.RecordAsync(Change("c2", T0, fromPayload), "first body");
        var before = await _bed.AllRowsAsync(StorageTables.Events);
        _clock.Now = RecordedAt.AddMinutes(1);

        var duplicate = await _events.RecordAsync(Change("c2", T0, fromPayload, enabled: false), "second body");
        var after = await _bed.AllRowsAsync(StorageTables.Events);

        var dup = Assert.IsType<EventRecordResult.Duplicate>(duplicate);
        Assert.Equal(Shape(first.Record), Shape(dup.Record));
        Assert.Equal("first body", dup.Record.RawPayload);
        Assert.Equal(RecordedAt, dup.Record.RecordedAt);
        Assert.Equal(before.Select(r => (r.RowKey, r.ETag)).Order(), after.Select(r => (r.RowKey, r.ETag)).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Twenty_concurrent_deliveries_record_once_and_every_duplicate_gets_the_same_record(bool fromPayload)
    {
        var evt = Change("c3", T0, fromPayload);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _events.RecordAsync(evt, $"{{\"delivery\":{i}}}")));

        var recorded = Assert.Single(results, r => r is EventRecordResult.Recorded);
        Assert.Equal(19, results.Count(r => r.IsDuplicate));
        Assert.All(results.Where(r => r.IsDuplicate), d => Assert.Equal(Shape(recorded.Record), Shape(d.Record)));
        var timeRows = (await _bed.AllRowsAsync(StorageTables.Events)).Where(r => !r.RowKey.StartsWith('~')).ToList();
        Assert.Single(timeRows);
    }

    [Fact]
    public async Task The_one_entity_path_costs_one_insert_and_its_duplicate_one_failed_insert_and_one_read()
    {
        await _events.RecordAsync(Change("warm-up", T0, fromPayload: true), null); // creates the table
        _bed.Counter.Reset();
        var events = _bed.TableName(StorageTables.Events);

        await _events.RecordAsync(Change("c4", T0, fromPayload: true), "{}");
        var afterRecord = _bed.Counter.Snapshot();
        await _events.RecordAsync(Change("c4", T0, fromPayload: true), "{}");

        Assert.Equal(new Dictionary<string, long> { [events + ":insert"] = 1 }, afterRecord);
        Assert.Equal(3, _bed.Counter.Total);
        Assert.Equal(2, _bed.Counter.Count(events, "insert"));
        Assert.Equal(1, _bed.Counter.Count(events, "read"));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task A_duplicate_is_caught_and_answered_like_the_first_whichever_path_recorded_the_first(bool firstFromPayload, bool againFromPayload)
    {
        // E.g. an Event Grid batch that mixed events with and without eventTime, retried with a different grouping.
        var first = await _events.RecordAsync(Change("c5", T0, firstFromPayload), "first body");
        var again = await _events.RecordAsync(Change("c5", T0, againFromPayload), "second body");

        var dup = Assert.IsType<EventRecordResult.Duplicate>(again);
        Assert.Equal(Shape(first.Record), Shape(dup.Record));
        Assert.Equal("first body", dup.Record.RawPayload);
        Assert.Single(await _bed.AllRowsAsync(StorageTables.Events), r => !r.RowKey.StartsWith('~'));
        Assert.Equal("c5", (await _events.GetLatestChangeAsync("launchdarkly", "default", "production", "new-checkout"))?.Id);
    }

    [Fact]
    public async Task A_payload_larger_than_one_chunk_goes_to_a_marker_even_with_payload_time_and_round_trips()
    {
        var bytes = new byte[200_000];
        new Random(11).NextBytes(bytes);
        var raw = "{\"blob\":\"" + Convert.ToBase64String(bytes) + "\"}";

        await _events.RecordAsync(Change("big", T0, fromPayload: true), raw);
        var duplicate = await _events.RecordAsync(Change("big", T0, fromPayload: true), null);

        Assert.Equal(raw, duplicate.Record.RawPayload);
        var rows = await _bed.AllRowsAsync(StorageTables.Events);
        var marker = Assert.Single(rows, r => r.RowKey.StartsWith('~'));
        Assert.True(marker.GetInt32("RawChunks") > 1);
        Assert.False(Assert.Single(rows, r => !r.RowKey.StartsWith('~')).ContainsKey("RawChunks"));
    }

    [Fact]
    public async Task A_one_entity_event_without_a_raw_payload_answers_its_duplicate_with_none()
    {
        var first = await _events.RecordAsync(Change("bare", T0, fromPayload: true), null);
        var duplicate = await _events.RecordAsync(Change("bare", T0, fromPayload: true), "later body");

        Assert.True(duplicate.IsDuplicate);
        Assert.Null(duplicate.Record.RawPayload);
        Assert.Equal(Shape(first.Record), Shape(duplicate.Record));
    }

    [Fact]
    public async Task Queries_and_the_timeline_see_the_same_changes_whichever_shape_recorded_them()
    {
        var other = new StorageTestBed(_azurite);
        var oneEntity = new TableEventStore(other.Tables, _clock);
        for (var i = 1; i <= 6; i++)
        {
            var at = T0.AddMinutes(i);
            await _events.RecordAsync(Change($"c{i}", at, fromPayload: false, enabled: i % 2 == 0), $"{{\"n\":{i}}}");
            await oneEntity.RecordAsync(Change($"c{i}", at, fromPayload: true, enabled: i % 2 == 0), $"{{\"n\":{i}}}");
        }

        var markerLatest = await _events.GetLatestChangeAsync("launchdarkly", "default", "production", "new-checkout");
        var entityLatest = await oneEntity.GetLatestChangeAsync("launchdarkly", "default", "production", "new-checkout");
        var markerSince = await _events.GetChangesSinceAsync(Flag, T0, 100);
        var entitySince = await oneEntity.GetChangesSinceAsync(Flag, T0, 100);
        var markerTimeline = await _bed.Timeline.GetTimelineAsync("checkout", Flag, 100, null);
        var entityTimeline = await other.Timeline.GetTimelineAsync("checkout", Flag, 100, null);
        var incoming = Change("c9", T0.AddMinutes(30), fromPayload: true).Change;

        Assert.Equal("c6", markerLatest?.Id);
        Assert.Equal(Shape(markerLatest!), Shape(entityLatest!));
        Assert.Equal(6, entitySince.Count);
        Assert.Equal(markerSince.Select(Shape), entitySince.Select(Shape));
        Assert.Equal(6, entityTimeline.Items.Count);
        Assert.Equal(markerTimeline.Items, entityTimeline.Items);
        Assert.Equal((await _events.FillPreviousStateAsync(incoming)).Previous, (await oneEntity.FillPreviousStateAsync(incoming)).Previous);
    }
}
