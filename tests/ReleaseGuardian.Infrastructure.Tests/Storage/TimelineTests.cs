using System.Text;
using System.Text.Json;
using CsCheck;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

/// <summary>
/// The timeline reads four streams: the guardian's Events partition, its Runs (verdicts), its Notifications
/// (notifications and the rollbacks they report) and the bound flag's Events partition. Runs and notifications
/// are saved through their real stores here, exactly as the workflow saves them.
/// </summary>
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

        // Same time as chg-2: the run's verdict comes before the flag change on every page size. Its notification
        // reports a rollback: rollback 1 tick, notification 2 ticks after the run.
        await SaveRunAsync("checkout", "run-2", T0.AddMinutes(20), Decision.NoGo);
        await SaveNotificationAsync("checkout", "run-2", T0.AddMinutes(20), rolledBack: true);
        expected.Add((TimelineKinds.Verdict, T0.AddMinutes(20), "run-2"));
        expected.Add((TimelineKinds.Rollback, T0.AddMinutes(20).AddTicks(1), "run-2:rollback"));
        expected.Add((TimelineKinds.Notification, T0.AddMinutes(20).AddTicks(2), "checkout:run-2"));

        // Same time as lt-3: the guardian's events come before its runs. An inconclusive run notifies without a rollback.
        await SaveRunAsync("checkout", "run-3", T0.AddMinutes(35), Decision.Inconclusive);
        await SaveNotificationAsync("checkout", "run-3", T0.AddMinutes(35), rolledBack: false);
        expected.Add((TimelineKinds.Verdict, T0.AddMinutes(35), "run-3"));
        expected.Add((TimelineKinds.Notification, T0.AddMinutes(35).AddTicks(2), "checkout:run-3"));

        // Entries RunService still appends.
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0.AddMinutes(36), "run-3:invalidated", "run run-3 invalidated: deploy noise", "{\"runId\":\"run-3\",\"invalidated\":true}");
        expected.Add((TimelineKinds.Verdict, T0.AddMinutes(36), "run-3:invalidated"));

        // Noise that must not show: another guardian's events, runs and notifications, another flag, the baseline row.
        await _bed.Events.RecordAsync(LoadTest("payments", "lt-x", T0.AddMinutes(7)), null);
        await _bed.Events.RecordAsync(FlagChanged("chg-x", T0.AddMinutes(8), enabled: true, flagKey: "other"), null);
        await SaveRunAsync("payments", "run-x", T0.AddMinutes(9), Decision.NoGo);
        await SaveNotificationAsync("payments", "run-x", T0.AddMinutes(9), rolledBack: true);
        await _bed.Runs.ResetBaselineAsync("checkout", T0.AddMinutes(1));

        return expected
            .OrderByDescending(e => e.Item2)
            .ThenBy(e => e.Item1 == TimelineKinds.FlagChange ? 1 : 0)
            .ThenBy(e => e.Item1 == TimelineKinds.Verdict ? 1 : 0)
            .ToList();
    }

    private static Verdict VerdictOf(Decision decision) => decision switch
    {
        Decision.NoGo => new Verdict(ObjectiveStatus.Fail, Decision.NoGo, 0,
            [new ObjectiveResult("error rate", "errors.rate", ObjectiveStatus.Fail, 0.12, 0.01, 0.015, "0.12 > failure 0.015") { Key = true }],
            "error rate failed"),
        Decision.Inconclusive => new Verdict(ObjectiveStatus.Error, Decision.Inconclusive, null,
            [new ObjectiveResult("error rate", "errors.rate", ObjectiveStatus.Error, null, 0.01, 0.015, "errors.rate could not be measured")],
            "error rate not measured"),
        _ => new Verdict(ObjectiveStatus.Pass, Decision.Go, 100,
            [new ObjectiveResult("error rate", "errors.rate", ObjectiveStatus.Pass, 0.001, 0.01, 0.015, "0.001 <= warning 0.01")],
            "all passed"),
    };

    private async Task<RunRecord> SaveRunAsync(string guardianId, string runId, DateTimeOffset createdAt, Decision decision)
    {
        var verdict = VerdictOf(decision);
        var run = new RunRecord(guardianId, runId, RunPurpose.Validation, createdAt.AddMinutes(-5), createdAt,
            new Dictionary<string, double> { ["errors.rate"] = 0.12 }, VerdictJson.Serialize(verdict, indented: false),
            DefinitionNames.Of(verdict.Status), false, null, null, createdAt);
        Assert.True((await _bed.Runs.SaveAsync(run, WriteCondition.IfNotExists)).Succeeded);
        return run;
    }

    /// <summary>What RecordAndSendNotificationsAsync saves: the message at the run's time, and the rollback it reports.</summary>
    private async Task<NotificationRecord> SaveNotificationAsync(string guardianId, string runId, DateTimeOffset runCreatedAt, bool rolledBack)
    {
        var message = new NotificationMessage($"{guardianId}:{runId}", rolledBack ? NotificationKind.RolledBack : NotificationKind.Inconclusive,
            guardianId, guardianId, runId, rolledBack ? Decision.NoGo : Decision.Inconclusive, ObjectiveStatus.Fail, 0, [], null,
            ActionTaken.NotifiedOnly(rolledBack ? "new-checkout rolled back to on" : "nothing rolled back"), new NotificationLinks(), runCreatedAt);
        var rollback = rolledBack ? new RollbackFlagResult(RollbackResults.RolledBack, $"new-checkout rolled back after {runId}", null, 1) : null;
        var record = new NotificationRecord(message.Id, guardianId, rolledBack ? NotificationKinds.Rollback : NotificationKinds.Inconclusive, message.At,
            JsonSerializer.Serialize(message, NotificationJsonContext.Default.NotificationMessage), [],
            rollback is null ? null : JsonSerializer.Serialize(rollback, WorkflowJsonContext.Default.RollbackFlagResult));
        await _bed.Notifications.SaveAsync(record);
        return record;
    }

    private async Task<(List<(string Kind, DateTimeOffset Time, string Id)> Seen, int Pages)> ReadAllAsync(string guardianId, FlagScope? flag, int pageSize)
    {
        var seen = new List<(string, DateTimeOffset, string)>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _bed.Timeline.GetTimelineAsync(guardianId, flag, pageSize, token);
            Assert.InRange(page.Items.Count, 1, pageSize);
            seen.AddRange(page.Items.Select(e => (e.Kind, e.Time, e.Id)));
            token = page.Continuation;
            pages++;
        }
        while (token is not null);

        return (seen, pages);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(50)]
    public async Task The_timeline_merges_events_runs_notifications_and_flag_changes_newest_first_across_pages(int pageSize)
    {
        var expected = await SeedAsync();

        var (seen, pages) = await ReadAllAsync("checkout", Flag, pageSize);

        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + pageSize - 1) / pageSize, pages);
    }

    [Fact]
    public async Task Verdict_rollback_and_notification_entries_carry_the_summaries_and_data_the_workflow_stored()
    {
        await SeedAsync();

        var page = await _bed.Timeline.GetTimelineAsync("checkout", Flag, 11, null);

        Assert.Equal(["chg-4", "run-3:invalidated", "checkout:run-3", "lt-3", "run-3", "chg-3", "lt-2", "checkout:run-2", "run-2:rollback", "run-2", "chg-2"],
            page.Items.Select(e => e.Id));
        var verdict = page.Items[9];
        Assert.Equal(TimelineKinds.Verdict, verdict.Kind);
        Assert.Equal(VerdictHeadline.Of("checkout", VerdictOf(Decision.NoGo)), verdict.Summary);
        Assert.StartsWith("No-Go on checkout (score 0): ", verdict.Summary, StringComparison.Ordinal);
        Assert.Equal(VerdictJson.Serialize(VerdictOf(Decision.NoGo), indented: false), verdict.DataJson);
        var rollback = page.Items[8];
        Assert.Equal((TimelineKinds.Rollback, "new-checkout rolled back after run-2"), (rollback.Kind, rollback.Summary));
        Assert.Equal("rolled-back", JsonDocument.Parse(rollback.DataJson).RootElement.GetProperty("result").GetString());
        var notification = page.Items[7];
        Assert.Equal(TimelineKinds.Notification, notification.Kind);
        Assert.Equal("No-Go on checkout; new-checkout rolled back to on", notification.Summary);
        Assert.Equal("run-2", JsonDocument.Parse(notification.DataJson).RootElement.GetProperty("runId").GetString());
        var flagChange = page.Items[10];
        Assert.Contains("launchdarkly new-checkout", flagChange.Summary, StringComparison.Ordinal);
        Assert.Contains("\"flagKey\":\"new-checkout\"", flagChange.DataJson, StringComparison.Ordinal);
        Assert.Equal("k6 load test lt-3 (validation), 60 s, 1158 requests", page.Items[3].Summary);
        Assert.Equal("run run-3 invalidated: deploy noise", page.Items[1].Summary);
    }

    [Fact]
    public async Task Without_a_bound_flag_only_the_guardians_own_entries_show()
    {
        var expected = await SeedAsync();

        var page = await _bed.Timeline.GetTimelineAsync("checkout", null, 100, null);

        Assert.Equal(expected.Where(e => e.Kind != TimelineKinds.FlagChange), page.Items.Select(e => (e.Kind, e.Time, e.Id)));
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task A_page_costs_one_query_per_stream()
    {
        await SeedAsync();
        await _bed.Timeline.GetTimelineAsync("checkout", Flag, 1, null);
        var before = (_bed.Counter.Count(_bed.TableName(StorageTables.Events), "query"), _bed.Counter.Count(_bed.TableName(StorageTables.Runs), "query"),
            _bed.Counter.Count(_bed.TableName(StorageTables.Notifications), "query"));

        await _bed.Timeline.GetTimelineAsync("checkout", Flag, 4, null);

        Assert.Equal(before.Item1 + 2, _bed.Counter.Count(_bed.TableName(StorageTables.Events), "query"));
        Assert.Equal(before.Item2 + 1, _bed.Counter.Count(_bed.TableName(StorageTables.Runs), "query"));
        Assert.Equal(before.Item3 + 1, _bed.Counter.Count(_bed.TableName(StorageTables.Notifications), "query"));
    }

    [Fact]
    public async Task Copies_the_workflow_used_to_append_are_not_shown_twice_but_invalidations_and_baseline_resets_are()
    {
        await SaveRunAsync("checkout", "run-1", T0, Decision.NoGo);
        await SaveNotificationAsync("checkout", "run-1", T0, rolledBack: true);
        // What ReleaseActivities appended before the timeline derived these entries.
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0, "run-1", "No-Go (copy)", "{}");
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Rollback, T0.AddTicks(1), "run-1:rollback", "rollback (copy)", "{}");
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Notification, T0.AddTicks(2), "checkout:run-1", "notification (copy)", "{}");
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0.AddMinutes(1), "run-1:invalidated", "run run-1 invalidated: noise", "{}");
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0.AddMinutes(2), "baseline-reset", "baseline reset: training starts again", "{}");

        foreach (var pageSize in new[] { 1, 2, 100 })
        {
            var seen = new List<TimelineEntry>();
            string? token = null;
            do
            {
                var page = await _bed.Timeline.GetTimelineAsync("checkout", null, pageSize, token);
                seen.AddRange(page.Items);
                token = page.Continuation;
            }
            while (token is not null);

            Assert.Equal(["baseline-reset", "run-1:invalidated", "checkout:run-1", "run-1:rollback", "run-1"], seen.Select(e => e.Id));
            Assert.DoesNotContain(seen, e => e.Summary.Contains("(copy)", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Appending_the_same_entry_twice_keeps_one()
    {
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0, "run-1:invalidated", "invalidated", "{}");
        await _bed.Timeline.AppendTimelineAsync("checkout", TimelineKinds.Verdict, T0, "run-1:invalidated", "invalidated (retried)", "{}");

        var page = await _bed.Timeline.GetTimelineAsync("checkout", null, 10, null);

        Assert.Equal("invalidated (retried)", Assert.Single(page.Items).Summary);
    }

    [Theory]
    [InlineData("bm90LWEtdG9rZW4")]
    [InlineData("tl1\n\n")]
    [InlineData("tl2\n\n\n")]
    [InlineData("tl2\nx#0\n\n\n")]
    [InlineData("tl2\n\n\n\n")]
    [InlineData("runs1\nt|0000")]
    public async Task A_foreign_or_old_continuation_token_is_rejected_naming_the_parameter(string token)
    {
        var encoded = token.Contains('\n') ? Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_') : token;

        var error = await Assert.ThrowsAsync<InvalidContinuationException>(() => _bed.Timeline.GetTimelineAsync("checkout", Flag, 10, encoded));

        Assert.Equal("continuation", error.Field);
    }

    private sealed record Item(char Stream, int Minute, int Number);

    [Fact]
    public async Task Paging_over_random_interleavings_of_the_four_streams_serves_every_entry_once_in_order()
    {
        // Few distinct minutes, so equal times across streams are common. Runs (and so their notifications) get
        // distinct minutes, as runs of one guardian do.
        var items = Gen.Select(Gen.Char["ELFN"], Gen.Int[0, 5]).Array[1, 14]
            .Select(pairs => pairs.Select((p, i) => new Item(p.Item1, p.Item2, i)).ToArray());
        await Gen.Select(items, Gen.Int[1, 5]).SampleAsync(async (generated, pageSize) =>
        {
            var guardian = "g" + Guid.NewGuid().ToString("N")[..12];
            var flag = Flag with { FlagKey = "f-" + guardian };
            var runMinutes = new HashSet<int>();
            var expected = new List<(string Kind, DateTimeOffset Time, string Id, int Rank, string Order)>();
            foreach (var item in generated)
            {
                var at = T0.AddMinutes(item.Minute);
                var id = $"x{item.Number:D2}";
                switch (item.Stream)
                {
                    case 'E':
                        await _bed.Events.RecordAsync(LoadTest(guardian, id, at), null);
                        expected.Add((TimelineKinds.LoadTest, at, id, 0, id));
                        break;
                    case 'F':
                        await _bed.Events.RecordAsync(FlagChanged(id, at, enabled: item.Number % 2 == 0, flagKey: flag.FlagKey), null);
                        expected.Add((TimelineKinds.FlagChange, at, id, 3, id));
                        break;
                    case 'L' or 'N' when runMinutes.Add(item.Minute):
                        await SaveRunAsync(guardian, id, at, item.Stream == 'N' ? Decision.NoGo : Decision.Go);
                        expected.Add((TimelineKinds.Verdict, at, id, 1, id));
                        if (item.Stream == 'N')
                        {
                            var rolledBack = item.Number % 2 == 0;
                            await SaveNotificationAsync(guardian, id, at, rolledBack);
                            expected.Add((TimelineKinds.Notification, at.AddTicks(2), $"{guardian}:{id}", 2, id));
                            if (rolledBack)
                            {
                                expected.Add((TimelineKinds.Rollback, at.AddTicks(1), $"{id}:rollback", 2, id));
                            }
                        }

                        break;
                }
            }

            var ordered = expected
                .OrderByDescending(e => e.Time)
                .ThenBy(e => e.Rank)
                .ThenBy(e => e.Order, StringComparer.Ordinal)
                .Select(e => (e.Kind, e.Time, e.Id))
                .ToList();
            var (seen, pages) = await ReadAllAsync(guardian, flag, pageSize);
            Assert.Equal(ordered, seen);
            Assert.Equal((ordered.Count + pageSize - 1) / pageSize, pages);
        }, iter: 25, threads: 1);
    }
}
