using System.Text;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.Chaos;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableEventStoreTests(AzuriteFixture azurite)
{
    private readonly StorageTestBed _bed = new(azurite);

    [Fact]
    public async Task Twenty_concurrent_deliveries_of_one_event_record_it_exactly_once()
    {
        var evt = FlagChanged("chg-1", T0, enabled: true);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _bed.Events.RecordAsync(evt, $"{{\"delivery\":{i}}}")));

        Assert.Single(results, r => r is EventRecordResult.Recorded);
        Assert.Equal(19, results.Count(r => r.IsDuplicate));
        var recordedRaw = results.Single(r => !r.IsDuplicate).Record.RawPayload;
        Assert.All(results.Where(r => r.IsDuplicate), d => Assert.Equal(recordedRaw, d.Record.RawPayload));
        var rows = await _bed.AllRowsAsync(StorageTables.Events);
        Assert.Equal(2, rows.Count); // the event row and its de-dup marker, nothing else
    }

    [Fact]
    public async Task A_duplicate_writes_nothing_and_returns_what_was_recorded_first()
    {
        var first = FlagChanged("chg-2", T0, enabled: true);
        var again = first with { Time = T0.AddMinutes(5), Change = first.Change with { Current = new FlagState(false) } };

        var recorded = await _bed.Events.RecordAsync(first, "first body");
        var before = await _bed.AllRowsAsync(StorageTables.Events);
        var duplicate = await _bed.Events.RecordAsync(again, "second body");
        var after = await _bed.AllRowsAsync(StorageTables.Events);

        Assert.IsType<EventRecordResult.Recorded>(recorded);
        var dup = Assert.IsType<EventRecordResult.Duplicate>(duplicate);
        Assert.Equal("first body", dup.Record.RawPayload);
        var change = Assert.IsType<FlagChangedEvent>(dup.Record.Event).Change;
        Assert.Equal(T0, dup.Record.Event.Time);
        Assert.True(change.Current.Enabled);
        Assert.Equal("7", change.ProviderRefs["flagVersion"]);
        Assert.Equal(before.Select(r => (r.RowKey, r.ETag)).Order(), after.Select(r => (r.RowKey, r.ETag)).Order());
    }

    [Fact]
    public async Task The_latest_change_of_a_flag_is_the_newest_by_time_whatever_the_order_recorded()
    {
        await _bed.Events.RecordAsync(FlagChanged("c2", T0.AddMinutes(2), enabled: false, variant: "v2"), null);
        await _bed.Events.RecordAsync(FlagChanged("c3", T0.AddMinutes(3), enabled: true, variant: "v3"), null);
        await _bed.Events.RecordAsync(FlagChanged("c1", T0.AddMinutes(1), enabled: true), null);
        await _bed.Events.RecordAsync(FlagChanged("other", T0.AddMinutes(9), enabled: true, flagKey: "other-flag"), null);

        var latest = await _bed.Events.GetLatestChangeAsync("LaunchDarkly", "default", "production", "new-checkout");
        var none = await _bed.Events.GetLatestChangeAsync("launchdarkly", "default", "staging", "new-checkout");

        Assert.NotNull(latest);
        Assert.Equal("c3", latest.Id);
        Assert.Equal(new FlagState(true, "v3"), latest.Change.Current);
        Assert.Equal("alice@example.org", latest.Change.Actor);
        Assert.Null(none);
    }

    [Fact]
    public async Task Changes_since_a_time_are_the_strictly_later_ones_newest_first()
    {
        for (var i = 1; i <= 5; i++)
        {
            await _bed.Events.RecordAsync(FlagChanged($"c{i}", T0.AddMinutes(i), enabled: i % 2 == 0), null);
        }

        var scope = new FlagScope("launchdarkly", "default", "production", "new-checkout");
        var since = await _bed.Events.GetChangesSinceAsync(scope, T0.AddMinutes(3), 10);
        var capped = await _bed.Events.GetChangesSinceAsync(scope, T0, 2);

        Assert.Equal(["c5", "c4"], since.Select(c => c.Id));
        Assert.Equal(["c5", "c4"], capped.Select(c => c.Id));
    }

    [Fact]
    public async Task A_missing_previous_state_is_filled_from_the_latest_earlier_change()
    {
        await _bed.Events.RecordAsync(FlagChanged("c1", T0, enabled: true, variant: "blue"), null);
        await _bed.Events.RecordAsync(FlagChanged("c3", T0.AddMinutes(10), enabled: false), null);
        var incoming = FlagChanged("c2", T0.AddMinutes(5), enabled: false).Change;
        var withPrevious = FlagChanged("c4", T0.AddMinutes(20), enabled: true, previous: new FlagState(null, "kept")).Change;
        var firstEver = FlagChanged("c0", T0.AddMinutes(-5), enabled: true).Change;

        var filled = await _bed.Events.FillPreviousStateAsync(incoming);

        Assert.Equal(new FlagState(true, "blue"), filled.Previous);
        Assert.Equal(new FlagState(null, "kept"), (await _bed.Events.FillPreviousStateAsync(withPrevious)).Previous);
        Assert.Null((await _bed.Events.FillPreviousStateAsync(firstEver)).Previous);
    }

    [Fact]
    public async Task A_payload_larger_than_64_KiB_round_trips()
    {
        var random = new Random(7);
        var bytes = new byte[300_000];
        random.NextBytes(bytes);
        // Random base64 barely compresses, so the stored payload spans several 64,000-byte chunks.
        var raw = "{\"blob\":\"" + Convert.ToBase64String(bytes) + "\",\"unicode\":\"ünïcødé ✓ 𝄞\"}";
        Assert.True(Encoding.UTF8.GetByteCount(raw) > 4 * 64 * 1024);
        var evt = FlagChanged("big", T0, enabled: true);

        await _bed.Events.RecordAsync(evt, raw);
        var duplicate = await _bed.Events.RecordAsync(evt, null);

        Assert.True(duplicate.IsDuplicate);
        Assert.Equal(raw, duplicate.Record.RawPayload);
        var marker = (await _bed.AllRowsAsync(StorageTables.Events)).Single(r => r.RowKey.StartsWith('~'));
        Assert.True(marker.GetInt32("RawChunks") > 1);
    }

    [Fact]
    public async Task A_flag_changes_raw_payload_is_kept_when_no_raw_payload_is_passed()
    {
        var evt = FlagChanged("raw", T0, enabled: true);
        evt = evt with { Change = evt.Change with { RawPayload = "{\"kind\":\"flag\"}" } };

        await _bed.Events.RecordAsync(evt, null);
        var duplicate = await _bed.Events.RecordAsync(evt, null);

        Assert.Equal("{\"kind\":\"flag\"}", duplicate.Record.RawPayload);
    }

    [Fact]
    public async Task Keys_with_characters_tables_forbid_are_escaped_and_read_back()
    {
        var evt = new FlagChangedEvent("https://flags.example/hook?x=1#frag", "id/with\\bad#chars?\u0001|pipe%", T0,
            new FlagChange("unleash", "team/flag#1?", "proj\\x", "env|prod", null, new FlagState(true), null, T0, "id/with\\bad#chars?"));

        var recorded = await _bed.Events.RecordAsync(evt, "x");
        var duplicate = await _bed.Events.RecordAsync(evt, "y");
        var latest = await _bed.Events.GetLatestChangeAsync("unleash", "proj\\x", "env|prod", "team/flag#1?");

        Assert.False(recorded.IsDuplicate);
        Assert.True(duplicate.IsDuplicate);
        Assert.Equal(evt.Id, latest?.Id);
        Assert.Equal(evt.Source, latest?.Source);
        Assert.Equal("team/flag#1?", latest?.Change.FlagKey);
    }

    [Fact]
    public async Task Load_tests_and_chaos_results_read_back_through_duplicates_with_their_data()
    {
        var loadTest = LoadTest("checkout", "t-1", T0);
        var chaos = new ChaosFinishedEvent("/webhooks/loadtests/litmus", "exp-1", T0,
            new ChaosExperimentFinished("checkout", "pod-delete", "Pass", 87.5, "litmus", T0.AddMinutes(-2), T0));

        await _bed.Events.RecordAsync(loadTest, null);
        await _bed.Events.RecordAsync(chaos, null);
        var lt = Assert.IsType<LoadTestFinishedEvent>((await _bed.Events.RecordAsync(loadTest, null)).Record.Event);
        var ch = Assert.IsType<ChaosFinishedEvent>((await _bed.Events.RecordAsync(chaos, null)).Record.Event);

        Assert.Equal(loadTest.Result with { Signals = null }, lt.Result with { Signals = null });
        Assert.Equal(loadTest.Result.Signals, lt.Result.Signals);
        Assert.Equal(chaos.Result, ch.Result);
    }

    [Fact]
    public async Task Recording_an_event_costs_one_transaction_and_a_duplicate_three()
    {
        await _bed.Events.RecordAsync(FlagChanged("warm-up", T0, enabled: true), null); // creates the table
        _bed.Counter.Reset();

        await _bed.Events.RecordAsync(FlagChanged("c1", T0.AddMinutes(1), enabled: false), "{}");
        var afterRecord = _bed.Counter.Snapshot();
        await _bed.Events.RecordAsync(FlagChanged("c1", T0.AddMinutes(1), enabled: false), "{}");

        var events = _bed.TableName(StorageTables.Events);
        Assert.Equal(new Dictionary<string, long> { [events + ":batch"] = 1 }, afterRecord);
        Assert.Equal(4, _bed.Counter.Total); // the duplicate: its failed batch plus two point reads (marker, event row)
        Assert.Equal(2, _bed.Counter.Count(events, "batch"));
        Assert.Equal(2, _bed.Counter.Count(events, "read"));
    }

    [Fact]
    public async Task The_table_is_created_once_per_process_not_on_every_call()
    {
        for (var i = 0; i < 5; i++)
        {
            await _bed.Events.RecordAsync(FlagChanged($"c{i}", T0.AddMinutes(i), enabled: true), null);
        }

        Assert.Equal(1, _bed.Counter.Count("Tables", "create"));
        Assert.Equal(5, _bed.Counter.Count(_bed.TableName(StorageTables.Events), "batch"));
    }

    [Fact]
    public async Task Flag_change_queries_read_data_spanning_chunks_whole_and_leave_raw_payloads_behind()
    {
        var longActor = new string('a', 40_000); // the data JSON then spans two 30,000-character chunks
        var big = FlagChanged("big", T0.AddMinutes(1), enabled: true) is var e ? e with { Change = e.Change with { Actor = longActor } } : null!;
        await _bed.Events.RecordAsync(big with { TimeFromPayload = true }, new string('r', 20_000));
        await _bed.Events.RecordAsync(FlagChanged("small", T0.AddMinutes(2), enabled: false) with { TimeFromPayload = true }, "{\"raw\":true}");

        var changes = await _bed.Events.GetChangesSinceAsync(new FlagScope("launchdarkly", "default", "production", "new-checkout"), T0, 10);

        Assert.Equal(["small", "big"], changes.Select(c => c.Id));
        Assert.Equal(longActor, changes[1].Change.Actor);
        Assert.All(changes, c => Assert.Null(c.Change.RawPayload));
    }

    [Fact]
    public async Task The_longest_accepted_id_and_an_oversized_actor_are_recorded_and_read_back_whole()
    {
        // Property values above 32K characters are refused by the service: ids are capped at ingestion, the summary here.
        var id = new string('i', IngestionService.MaxIdLength);
        var evt = FlagChanged(id, T0, enabled: true) is var e ? e with { Change = e.Change with { Actor = new string('a', 40_000) } } : null!;

        var first = await _bed.Events.RecordAsync(evt, "{}");
        var again = await _bed.Events.RecordAsync(evt, "{}");

        Assert.IsType<EventRecordResult.Recorded>(first);
        Assert.True(again.IsDuplicate);
        Assert.Equal(id, again.Record.Event.Id);
        var latest = await _bed.Events.GetLatestChangeAsync("launchdarkly", "default", "production", "new-checkout");
        Assert.Equal(id, latest!.Id);
        Assert.Equal(40_000, latest.Change.Actor!.Length);
        var row = (await _bed.AllRowsAsync(StorageTables.Events)).Single(r => !r.RowKey.StartsWith('~'));
        Assert.Equal(EventJson.MaxSummaryLength, row.GetString("Summary")!.Length);
        Assert.EndsWith("…", row.GetString("Summary"), StringComparison.Ordinal);
    }
}
