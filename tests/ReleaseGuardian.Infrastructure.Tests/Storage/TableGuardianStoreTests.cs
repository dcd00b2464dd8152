using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableGuardianStoreTests(AzuriteFixture azurite)
{
    private const string Definition = "{\"id\":\"checkout\",\"service\":\"checkout\"}";
    private readonly StorageTestBed _bed = new(azurite);

    [Fact]
    public async Task A_put_creates_then_replaces_and_keeps_the_creation_time()
    {
        var clock = new ManualClock { Now = StorageTestBed.T0 };
        var guardians = new TableGuardianStore(_bed.Tables, clock);
        var created = await guardians.PutAsync("checkout", Definition, WriteCondition.None);
        var first = await guardians.GetAsync("checkout");
        clock.Now = StorageTestBed.T0.AddHours(1);
        var replaced = await guardians.PutAsync("checkout", "{\"id\":\"checkout\",\"v\":2}", WriteCondition.None);
        var second = await guardians.GetAsync("checkout");

        Assert.Equal(WriteOutcome.Created, created.Outcome);
        Assert.Equal(WriteOutcome.Updated, replaced.Outcome);
        Assert.Equal(created.ETag, first!.ETag);
        Assert.Equal(replaced.ETag, second!.ETag);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("{\"id\":\"checkout\",\"v\":2}", second.DefinitionJson);
        Assert.Equal((StorageTestBed.T0, StorageTestBed.T0), (first.CreatedAt, first.UpdatedAt));
        Assert.Equal((StorageTestBed.T0, StorageTestBed.T0.AddHours(1)), (second.CreatedAt, second.UpdatedAt));
    }

    [Fact]
    public async Task A_put_with_a_stale_etag_is_a_conflict_and_changes_nothing()
    {
        var v1 = await _bed.Guardians.PutAsync("checkout", Definition, WriteCondition.None);
        var v2 = await _bed.Guardians.PutAsync("checkout", "{\"v\":2}", WriteCondition.IfMatch(v1.ETag!));

        var stale = await _bed.Guardians.PutAsync("checkout", "{\"v\":3}", WriteCondition.IfMatch(v1.ETag!));

        Assert.Equal(WriteOutcome.Updated, v2.Outcome);
        Assert.Equal(WriteOutcome.Conflict, stale.Outcome);
        Assert.Equal("{\"v\":2}", (await _bed.Guardians.GetAsync("checkout"))!.DefinitionJson);
    }

    [Fact]
    public async Task Create_only_is_a_conflict_when_it_exists_and_if_match_is_not_found_when_it_does_not()
    {
        var first = await _bed.Guardians.PutAsync("checkout", Definition, WriteCondition.IfNotExists);
        var second = await _bed.Guardians.PutAsync("checkout", Definition, WriteCondition.IfNotExists);
        var missing = await _bed.Guardians.PutAsync("nobody", Definition, WriteCondition.IfMatch(first.ETag!));

        Assert.Equal(WriteOutcome.Created, first.Outcome);
        Assert.Equal(WriteOutcome.Conflict, second.Outcome);
        Assert.Equal(WriteOutcome.NotFound, missing.Outcome);
        Assert.Null(await _bed.Guardians.GetAsync("nobody"));
    }

    [Fact]
    public async Task Delete_honours_if_match_and_reports_a_missing_guardian()
    {
        var v1 = await _bed.Guardians.PutAsync("checkout", Definition, WriteCondition.None);
        await _bed.Guardians.PutAsync("checkout", "{\"v\":2}", WriteCondition.None);

        var stale = await _bed.Guardians.DeleteAsync("checkout", v1.ETag);
        var deleted = await _bed.Guardians.DeleteAsync("checkout");
        var again = await _bed.Guardians.DeleteAsync("checkout");

        Assert.Equal(WriteOutcome.Conflict, stale.Outcome);
        Assert.Equal(WriteOutcome.Deleted, deleted.Outcome);
        Assert.Equal(WriteOutcome.NotFound, again.Outcome);
        Assert.Null(await _bed.Guardians.GetAsync("checkout"));
    }

    [Fact]
    public async Task List_returns_every_guardian_by_id_with_large_definitions_intact()
    {
        var large = "{\"objectives\":[" + string.Join(',', Enumerable.Range(0, 3000).Select(i => $"{{\"name\":\"objective {i}\"}}")) + "]}";
        Assert.True(large.Length > 64_000);
        await _bed.Guardians.PutAsync("payments", Definition, WriteCondition.None);
        await _bed.Guardians.PutAsync("checkout", large, WriteCondition.None);
        // Shrinking a chunked definition must not leave old chunks in the read-back.
        await _bed.Guardians.PutAsync("search", large, WriteCondition.None);
        await _bed.Guardians.PutAsync("search", Definition, WriteCondition.None);

        var all = await _bed.Guardians.ListAsync();

        Assert.Equal(["checkout", "payments", "search"], all.Select(g => g.Id));
        Assert.Equal(large, all[0].DefinitionJson);
        Assert.Equal(Definition, all[2].DefinitionJson);
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
