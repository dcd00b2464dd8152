using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TimelineTests(AzuriteFixture azurite)
{
    private static readonly FlagScope Flag = new("launchdarkly", "default", "production", "new-checkout");
    private readonly StorageTestBed _bed = new(azurite);

    private async Task<List<(string Kind, DateTimeOffset Time, string Id)>> SeedAsync()
    {
        var expected = new List<(string, DateTimeOffset, string)>();
        for (var i = 0; i < 5; i++)
        {
            var at = T0.AddMinutes(i * 10);
            await _bed.Events.RecordAsync(FlagChanged($"chg-{i}", at, enabled: i % 2 == 0), null);
            expected.Add((TimelineKinds.FlagChange, at, $"chg-{i}"));
        }

        for (var i = 0; i < 4; i++)
        {
            var at = T0.AddMinutes(i * 10 + 5);
            await _bed.Events.RecordAsync(LoadTest("checkout", $"lt-{i}", at), null);
            expected.Add((TimelineKinds.LoadTest, at, $"lt-{i}"));
        }

        // Same time as a flag change: the guardian's own entry comes first, on every page size.
        await _bed.Events.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0.AddMinutes(20), "run-2", "No-Go: error rate 0.12 > 0.015", "{\"decision\":\"nogo\"}");
        await _bed.Events.AppendTimelineAsync("checkout", TimelineKinds.Rollback, T0.AddMinutes(21), "rb-1", "rolled back new-checkout", "{\"restored\":{\"enabled\":true}}");
        expected.Add((TimelineKinds.Verdict, T0.AddMinutes(20), "run-2"));
        expected.Add((TimelineKinds.Rollback, T0.AddMinutes(21), "rb-1"));

        // Noise that must not show: another guardian, another flag.
        await _bed.Events.RecordAsync(LoadTest("payments", "lt-x", T0.AddMinutes(7)), null);
        await _bed.Events.RecordAsync(FlagChanged("chg-x", T0.AddMinutes(8), enabled: true, flagKey: "other"), null);

        return expected
            .OrderByDescending(e => e.Item2)
            .ThenBy(e => e.Item1 == TimelineKinds.FlagChange ? 1 : 0)
            .ToList();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(50)]
    public async Task The_timeline_merges_both_partitions_newest_first_across_pages(int pageSize)
    {
        var expected = await SeedAsync();

        var seen = new List<(string, DateTimeOffset, string)>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _bed.Events.GetTimelineAsync("checkout", Flag, pageSize, token);
            Assert.InRange(page.Items.Count, 1, pageSize);
            seen.AddRange(page.Items.Select(e => (e.Kind, e.Time, e.Id)));
            token = page.Continuation;
            pages++;
        }
        while (token is not null);

        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + pageSize - 1) / pageSize, pages);
    }

    [Fact]
    public async Task Timeline_entries_carry_summary_and_data()
    {
        await SeedAsync();

        var page = await _bed.Events.GetTimelineAsync("checkout", Flag, 7, null);

        Assert.Equal(["chg-4", "lt-3", "chg-3", "lt-2", "rb-1", "run-2", "chg-2"], page.Items.Select(e => e.Id));
        var rollback = page.Items[4];
        Assert.Equal(("rollback", "rb-1", "rolled back new-checkout"), (rollback.Kind, rollback.Id, rollback.Summary));
        Assert.Equal("{\"restored\":{\"enabled\":true}}", rollback.DataJson);
        var flagChange = page.Items[6];
        Assert.Equal("chg-2", flagChange.Id);
        Assert.Contains("launchdarkly new-checkout", flagChange.Summary, StringComparison.Ordinal);
        Assert.Contains("\"flagKey\":\"new-checkout\"", flagChange.DataJson, StringComparison.Ordinal);
        var loadTest = page.Items[1];
        Assert.Equal("k6 load test lt-3 (validation), 60 s, 1158 requests", loadTest.Summary);
    }

    [Fact]
    public async Task Without_a_bound_flag_only_the_guardians_own_entries_show()
    {
        await SeedAsync();

        var page = await _bed.Events.GetTimelineAsync("checkout", null, 100, null);

        Assert.Equal(6, page.Items.Count);
        Assert.DoesNotContain(page.Items, e => e.Kind == TimelineKinds.FlagChange);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task Appending_the_same_entry_twice_keeps_one()
    {
        await _bed.Events.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0, "run-1", "Go", "{}");
        await _bed.Events.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0, "run-1", "Go (retried)", "{}");

        var page = await _bed.Events.GetTimelineAsync("checkout", null, 10, null);

        Assert.Equal("Go (retried)", Assert.Single(page.Items).Summary);
    }

    [Fact]
    public async Task A_forged_continuation_token_is_rejected_naming_the_parameter()
    {
        var error = await Assert.ThrowsAsync<InvalidContinuationException>(() => _bed.Events.GetTimelineAsync("checkout", Flag, 10, "bm90LWEtdG9rZW4"));

        Assert.Equal("continuation", error.Field);
    }
}
