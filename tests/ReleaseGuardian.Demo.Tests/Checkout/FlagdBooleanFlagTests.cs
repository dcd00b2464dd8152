using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Infrastructure.Rollback;

namespace ReleaseGuardian.Demo.Tests.Checkout;

/// <summary>
/// The demo's checkout service reads the flag file exactly as a release writes it: the real flagd rollout client
/// (<see cref="FlagdRolloutClient"/>) edits the demo's own flag file, and the service's evaluator serves each user.
/// </summary>
public sealed class FlagdBooleanFlagTests : IDisposable
{
    private const string Key = "new-checkout";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("rg-demo-flag-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Under_a_releases_10_percent_rollout_about_10_percent_of_users_get_the_new_checkout_and_the_restore_serves_everyone_off()
    {
        var path = Path.Combine(_root.FullName, "flags.json");
        await File.WriteAllTextAsync(path, FlagdFlagFile.Create(Key, on: false));
        var client = new FlagdRolloutClient(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FlagFiles:Root"] = _root.FullName }).Build(),
            NullLogger<FlagdRolloutClient>.Instance);
        var flag = new FlagBinding("flagd", Key) { Settings = new Dictionary<string, string> { ["source"] = path } };
        var users = Enumerable.Range(1, 1000).Select(LoadProfile.UserName).ToList();
        var preRelease = await client.CaptureAsync(flag, default);

        Assert.True((await client.SetRolloutAsync(flag, preRelease, 10, null, "test", default)).Succeeded);
        var atTen = FlagdBooleanFlag.Parse(await File.ReadAllTextAsync(path), Key);
        var onAtTen = users.Where(u => atTen.Evaluate(u).Value).ToHashSet();

        Assert.Equal(10, atTen.PercentServing("on"));
        Assert.InRange(onAtTen.Count, 70, 130);
        Assert.All(users, u => Assert.Equal("TARGETING_MATCH", atTen.Evaluate(u).Reason));
        // Per user and sticky: the same user gets the same answer every time.
        Assert.All(users, u => Assert.Equal(atTen.Evaluate(u), atTen.Evaluate(u)));
        // No user, nothing to bucket by: flagd serves the default variant.
        Assert.Equal(("off", "DEFAULT"), (atTen.Evaluate(null).Variant, atTen.Evaluate(null).Reason));

        Assert.True((await client.SetRolloutAsync(flag, preRelease, 50, null, "test", default)).Succeeded);
        var atFifty = FlagdBooleanFlag.Parse(await File.ReadAllTextAsync(path), Key);
        var onAtFifty = users.Where(u => atFifty.Evaluate(u).Value).ToHashSet();
        Assert.InRange(onAtFifty.Count, 440, 560);
        Assert.Superset(onAtTen, onAtFifty);

        Assert.True((await client.RestoreAsync(flag, preRelease, "test", default)).Succeeded);
        var restored = FlagdBooleanFlag.Parse(await File.ReadAllTextAsync(path), Key);
        Assert.All(users, u => Assert.Equal(("off", "STATIC"), (restored.Evaluate(u).Variant, restored.Evaluate(u).Reason)));
    }

    [Fact]
    public void A_targeting_rule_the_service_does_not_evaluate_serves_nothing_rather_than_a_guess()
    {
        var document = """
            {"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",
             "targeting":{"if":[{"in":["@example.com",{"var":"email"}]},"on",null]}}}}
            """;

        var evaluation = FlagdFlagFile.Evaluate(document, Key, "user-0001");

        Assert.Equal((false, "ERROR"), (evaluation.Value, evaluation.Reason));
    }

    [Fact]
    public void A_disabled_flag_serves_the_code_default_to_every_user()
    {
        var document = """
            {"flags":{"new-checkout":{"state":"DISABLED","variants":{"on":true,"off":false},"defaultVariant":"on",
             "targeting":{"fractional":[["on",100],["off",0]]}}}}
            """;

        Assert.Equal((false, "DISABLED"), (FlagdFlagFile.Evaluate(document, Key, "user-0001").Value, FlagdFlagFile.Evaluate(document, Key, "user-0001").Reason));
    }
}
