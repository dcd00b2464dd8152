using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

/// <summary><see cref="GuardianService"/>'s look-up cache over the real Table store, counted in storage transactions.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GuardianLookupCacheTests(AzuriteFixture azurite)
{
    private readonly StorageTestBed _bed = new(azurite);
    private readonly ManualClock _clock = new() { Now = StorageTestBed.T0 };

    private static string Definition(string service, string flag = "new-checkout") => $$"""
        {"id":"checkout","service":"{{service}}",
         "flag":{"provider":"launchdarkly","key":"{{flag}}","project":"default","environment":"production"},
         "metrics":{"source":"loadtest"},
         "objectives":[{"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":0.02,"failure":0.05} }],
         "policy":{"rollbackOn":["nogo"]} }
        """;

    private GuardianService Service() => new(_bed.Guardians, _clock);

    [Fact]
    public async Task Repeated_lookups_within_the_cache_lifetime_read_storage_once()
    {
        var guardians = Service();
        await guardians.PutAsync("checkout", Definition("checkout"), null, default);
        var readsBefore = _bed.Counter.Count(_bed.TableName(StorageTables.Guardians), "read");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("checkout", (await guardians.FindAsync("checkout", default))!.Service);
            _clock.Now = _clock.Now.AddSeconds(0.5);
        }

        Assert.Equal(1, _bed.Counter.Count(_bed.TableName(StorageTables.Guardians), "read") - readsBefore);
    }

    [Fact]
    public async Task A_put_or_delete_through_the_service_is_seen_by_the_next_lookup()
    {
        var guardians = Service();
        await guardians.PutAsync("checkout", Definition("checkout"), null, default);
        Assert.Equal("checkout", (await guardians.FindAsync("checkout", default))!.Service);

        await guardians.PutAsync("checkout", Definition("payments"), null, default);
        Assert.Equal("payments", (await guardians.FindAsync("checkout", default))!.Service);
        Assert.Equal("checkout", (await guardians.FindByServiceAndFlagAsync("payments", "new-checkout", default))!.Id);

        Assert.True(await guardians.DeleteAsync("checkout", default));
        Assert.Null(await guardians.FindAsync("checkout", default));
        Assert.Null(await guardians.FindByServiceAndFlagAsync("payments", "new-checkout", default));
    }

    [Fact]
    public async Task A_change_made_by_another_instance_is_seen_once_the_cache_lifetime_has_passed()
    {
        var here = Service();
        var elsewhere = new GuardianService(_bed.Guardians, _clock);
        await here.PutAsync("checkout", Definition("checkout"), null, default);
        Assert.Equal("checkout", (await here.FindAsync("checkout", default))!.Service);
        Assert.NotNull(await here.FindByServiceAndFlagAsync("checkout", "new-checkout", default));

        await elsewhere.PutAsync("checkout", Definition("payments", flag: "new-payments"), null, default);
        _clock.Now = _clock.Now.Add(GuardianService.CacheLifetime);

        Assert.Equal("payments", (await here.FindAsync("checkout", default))!.Service);
        Assert.Null(await here.FindByServiceAndFlagAsync("checkout", "new-checkout", default));
        Assert.Equal("checkout", (await here.FindByServiceAndFlagAsync("payments", "new-payments", default))!.Id);
    }

    [Fact]
    public async Task Look_ups_by_service_and_flag_list_the_guardians_once_within_the_cache_lifetime()
    {
        var guardians = Service();
        await guardians.PutAsync("checkout", Definition("checkout"), null, default);
        var table = _bed.TableName(StorageTables.Guardians);
        var queriesBefore = _bed.Counter.Count(table, "query");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("checkout", (await guardians.FindByServiceAndFlagAsync("checkout", "new-checkout", default))!.Id);
        }

        Assert.Null(await guardians.FindByServiceAndFlagAsync("checkout", "other-flag", default));
        Assert.Equal(1, _bed.Counter.Count(table, "query") - queriesBefore);
    }
}
