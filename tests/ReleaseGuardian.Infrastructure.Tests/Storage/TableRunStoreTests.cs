using CsCheck;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableRunStoreTests(AzuriteFixture azurite)
{
    private readonly StorageTestBed _bed = new(azurite);

    private static RunRecord Run(string id, int minute, string? status = "pass", string guardian = "checkout") => new(
        guardian, id, RunPurpose.Training, T0.AddMinutes(minute - 1), T0.AddMinutes(minute),
        new Dictionary<string, double> { ["latency.p95"] = 500 + minute, ["errors.rate"] = 0.01 },
        status is null ? null : $"{{\"status\":\"{status}\",\"decision\":\"go\"}}", status, false, null,
        "{\"flagKey\":\"new-checkout\"}", T0.AddMinutes(minute));

    [Fact]
    public async Task A_saved_run_reads_back_with_a_point_read()
    {
        var run = Run("run-1", 1);
        var saved = await _bed.Runs.SaveAsync(run, WriteCondition.IfNotExists);
        _bed.Counter.Reset();

        var read = await _bed.Runs.GetAsync("checkout", "run-1");

        Assert.Equal(WriteOutcome.Created, saved.Outcome);
        Assert.NotNull(read);
        Assert.Equal(saved.ETag, read.ETag);
        Assert.Equal(run with { Signals = read.Run.Signals }, read.Run);
        Assert.Equal(run.Signals, read.Run.Signals);
        Assert.Equal(1, _bed.Counter.Count(_bed.TableName("Runs"), "read"));
        Assert.Equal(1, _bed.Counter.Total);
        Assert.Null(await _bed.Runs.GetAsync("checkout", "run-404"));
    }

    [Fact]
    public async Task Saving_with_a_stale_etag_or_creating_twice_is_a_conflict()
    {
        var created = await _bed.Runs.SaveAsync(Run("run-1", 1, status: null), WriteCondition.IfNotExists);
        var judged = await _bed.Runs.SaveAsync(Run("run-1", 1, status: "fail"), WriteCondition.IfMatch(created.ETag!));

        var stale = await _bed.Runs.SaveAsync(Run("run-1", 1, status: "pass"), WriteCondition.IfMatch(created.ETag!));
        var twice = await _bed.Runs.SaveAsync(Run("run-1", 1), WriteCondition.IfNotExists);
        var moved = await _bed.Runs.SaveAsync(Run("run-1", 9), WriteCondition.IfMatch(judged.ETag!));
        var missing = await _bed.Runs.SaveAsync(Run("run-2", 2), WriteCondition.IfMatch(judged.ETag!));

        Assert.Equal(WriteOutcome.Updated, judged.Outcome);
        Assert.Equal(WriteOutcome.Conflict, stale.Outcome);
        Assert.Equal(WriteOutcome.Conflict, twice.Outcome);
        Assert.Equal(WriteOutcome.Conflict, moved.Outcome); // a new CreatedAt would orphan the listing row
        Assert.Equal(WriteOutcome.NotFound, missing.Outcome);
        var read = await _bed.Runs.GetAsync("checkout", "run-1");
        Assert.Equal(("fail", judged.ETag), (read!.Run.Status, read.ETag));
        var listed = await _bed.Runs.ListAsync("checkout", 10, null);
        Assert.Equal("fail", Assert.Single(listed.Items).Status);
    }

    [Fact]
    public async Task Runs_list_newest_first_in_pages()
    {
        foreach (var minute in new[] { 3, 1, 5, 2, 4 })
        {
            await _bed.Runs.SaveAsync(Run($"run-{minute}", minute), WriteCondition.IfNotExists);
        }

        await _bed.Runs.SaveAsync(Run("other", 9, guardian: "payments"), WriteCondition.IfNotExists);
        await _bed.Runs.ResetBaselineAsync("checkout", T0);

        var first = await _bed.Runs.ListAsync("checkout", 2, null);
        var second = await _bed.Runs.ListAsync("checkout", 2, first.Continuation);
        var third = await _bed.Runs.ListAsync("checkout", 2, second.Continuation);

        Assert.Equal(["run-5", "run-4"], first.Items.Select(r => r.RunId));
        Assert.Equal(["run-3", "run-2"], second.Items.Select(r => r.RunId));
        Assert.Equal(["run-1"], third.Items.Select(r => r.RunId));
        Assert.Null(third.Continuation);
        await Assert.ThrowsAsync<InvalidContinuationException>(() => _bed.Runs.ListAsync("checkout", 2, "garbage!"));
    }

    [Fact]
    public async Task Eligible_history_skips_failed_errored_unjudged_and_invalidated_runs_oldest_first()
    {
        await _bed.Runs.SaveAsync(Run("run-1", 1), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-2", 2, status: "fail"), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-3", 3, status: "warning"), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-4", 4, status: "error"), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-5", 5, status: "info"), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-6", 6, status: null), WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-7", 7), WriteCondition.IfNotExists);

        var invalidated = await _bed.Runs.InvalidateAsync("checkout", "run-3", "deploy overlapped the test");
        var history = await _bed.Runs.GetEligibleHistoryAsync("checkout", 30);
        var lastTwo = await _bed.Runs.GetEligibleHistoryAsync("checkout", 2);
        var beforeRun7 = await _bed.Runs.GetEligibleHistoryAsync("checkout", 30, before: T0.AddMinutes(7));

        Assert.Equal(WriteOutcome.Updated, invalidated.Outcome);
        Assert.Equal(["run-1", "run-5", "run-7"], history.Select(r => r.RunId));
        Assert.Equal(["run-5", "run-7"], lastTwo.Select(r => r.RunId));
        Assert.Equal(["run-1", "run-5"], beforeRun7.Select(r => r.RunId));
        var run3 = (await _bed.Runs.GetAsync("checkout", "run-3"))!.Run;
        Assert.True(run3.Invalidated);
        Assert.Equal("deploy overlapped the test", run3.InvalidatedReason);
        var listed = (await _bed.Runs.ListAsync("checkout", 10, null)).Items.Single(r => r.RunId == "run-3");
        Assert.True(listed.Invalidated);
        Assert.Equal(WriteOutcome.NotFound, (await _bed.Runs.InvalidateAsync("checkout", "run-404", "x")).Outcome);
    }

    [Fact]
    public async Task A_baseline_reset_drops_the_runs_created_up_to_it_from_the_history()
    {
        for (var minute = 1; minute <= 6; minute++)
        {
            await _bed.Runs.SaveAsync(Run($"run-{minute}", minute), WriteCondition.IfNotExists);
        }

        await _bed.Runs.ResetBaselineAsync("checkout", T0.AddMinutes(4));
        var history = await _bed.Runs.GetEligibleHistoryAsync("checkout", 30);
        var all = await _bed.Runs.ListAsync("checkout", 100, null);

        Assert.Equal(["run-5", "run-6"], history.Select(r => r.RunId));
        Assert.Equal(T0.AddMinutes(4), await _bed.Runs.GetBaselineResetAsync("checkout"));
        Assert.Null(await _bed.Runs.GetBaselineResetAsync("payments"));
        Assert.Equal(6, all.Items.Count); // the runs stay on record
    }

    [Fact]
    public async Task The_judging_history_is_the_eligible_history_and_the_newest_runs_read_in_one_query()
    {
        // Any mix of statuses, invalidations and a baseline reset anywhere: one query answers exactly what the
        // eligible-history query and the listing answer separately.
        var statuses = new[] { "pass", "warning", "info", "fail", "error", null };
        var gen = Gen.Select(
            Gen.Int[0, statuses.Length - 1].Array[0, 14],
            Gen.Int[0, 100].Array[14, 14],
            Gen.Int[-1, 14],
            Gen.Int[1, 6],
            Gen.Int[0, 6]);
        var sample = 0;
        await gen.SampleAsync(async input =>
        {
            var (kinds, invalidate, resetAfter, max, newest) = input;
            var guardian = $"judging-{Interlocked.Increment(ref sample)}";
            for (var i = 0; i < kinds.Length; i++)
            {
                await _bed.Runs.SaveAsync(Run($"run-{i + 1}", i + 1, statuses[kinds[i]], guardian), WriteCondition.IfNotExists);
                if (invalidate[i] < 20)
                {
                    await _bed.Runs.InvalidateAsync(guardian, $"run-{i + 1}", "overlapped a deploy");
                }
            }

            if (resetAfter >= 0)
            {
                await _bed.Runs.ResetBaselineAsync(guardian, T0.AddMinutes(resetAfter));
            }

            _bed.Counter.Reset();
            var judging = await _bed.Runs.GetJudgingHistoryAsync(guardian, max, newest);
            var queries = _bed.Counter.Count(_bed.TableName("Runs"));

            var eligible = await _bed.Runs.GetEligibleHistoryAsync(guardian, max);
            var listed = newest == 0 ? [] : (await _bed.Runs.ListAsync(guardian, newest, null)).Items;
            Assert.Equal(eligible.Select(r => r.RunId), judging.Eligible.Select(r => r.RunId));
            Assert.Equal(listed.Select(r => r.RunId), judging.Newest.Select(r => r.RunId));
            Assert.Equal(eligible.Select(r => r.Signals["latency.p95"]), judging.Eligible.Select(r => r.Signals["latency.p95"]));
            Assert.Equal(eligible.Select(r => (r.WindowEnd, r.Status, r.CreatedAt)), judging.Eligible.Select(r => (r.WindowEnd, r.Status, r.CreatedAt)));
            if (kinds.Length + 1 <= max + newest + 1)
            {
                Assert.Equal(1, queries); // every row fits the first page
            }
        }, iter: 12, threads: 1);
    }

    [Fact]
    public async Task The_judging_history_reads_signals_too_large_for_one_property_whole()
    {
        var signals = Enumerable.Range(0, 2_000).ToDictionary(i => $"custom.checkout_step_{i:D4}_conversion_rate", i => i / 10.0);
        await _bed.Runs.SaveAsync(Run("run-1", 1) with { Signals = signals }, WriteCondition.IfNotExists);
        await _bed.Runs.SaveAsync(Run("run-2", 2), WriteCondition.IfNotExists);

        var judging = await _bed.Runs.GetJudgingHistoryAsync("checkout", 30, 5);

        Assert.Equal(["run-1", "run-2"], judging.Eligible.Select(r => r.RunId));
        Assert.Equal(signals, judging.Eligible[0].Signals);
        Assert.Null(judging.Eligible[1].VerdictJson); // the small columns only, where signals fit one property
    }
}
