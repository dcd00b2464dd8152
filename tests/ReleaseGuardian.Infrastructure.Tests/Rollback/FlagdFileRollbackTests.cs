using System.Text.Json.Nodes;
using CsCheck;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Rollback;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class FlagdFileRollbackTests : IDisposable
{
    internal const string Definition = """
        {
          "$schema": "https://flagd.dev/schema/v0/flags.json",
          "flags": {
            "new-checkout": {
              "state": "ENABLED",
              "variants": { "on": true, "off": false },
              "defaultVariant": "on",
              "targeting": { "if": [ { "<": [ { "var": "age" }, 18 ] }, "off", null ] }
            },
            "header-color": {
              "state": "ENABLED",
              "variants": { "red": "#c00", "blue": "#00c" },
              "defaultVariant": "red",
              "metadata": { "owner": "ui", "weight": 1.50 }
            }
          },
          "metadata": { "version": "7" }
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("rg-flagd-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Restoring_the_previous_variant_and_state_edits_only_that_flag_in_place_of_the_file()
    {
        var path = Path.Combine(_folder, "flags.json");
        await File.WriteAllTextAsync(path, Definition);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:flagd:Source"] = path });

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(false, "off")), default);

        var succeeded = Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal(1, succeeded.Attempts);
        var before = JsonNode.Parse(Definition)!;
        var after = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.Equal("off", after["flags"]!["new-checkout"]!["defaultVariant"]!.GetValue<string>());
        Assert.Equal("DISABLED", after["flags"]!["new-checkout"]!["state"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(before["flags"]!["new-checkout"]!["targeting"], after["flags"]!["new-checkout"]!["targeting"]));
        Assert.True(JsonNode.DeepEquals(before["flags"]!["header-color"], after["flags"]!["header-color"]));
        Assert.True(JsonNode.DeepEquals(before["metadata"], after["metadata"]));
        Assert.Equal(before["$schema"]!.GetValue<string>(), after["$schema"]!.GetValue<string>());
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task The_file_is_replaced_by_a_rename_so_a_reader_holding_it_open_sees_the_whole_old_document()
    {
        var path = Path.Combine(_folder, "flags.json");
        await File.WriteAllTextAsync(path, Definition);
        await using var services = Build(new Dictionary<string, string?>());
        await using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        var outcome = await Client(services, "flagd").RollBackAsync(
            Plan("flagd", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["source"] = path }), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        using var text = new StreamReader(reader);
        Assert.Equal(Definition, await text.ReadToEndAsync());
        Assert.Equal("DISABLED", JsonNode.Parse(await File.ReadAllTextAsync(path))!["flags"]!["new-checkout"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_variant_is_refused_naming_the_setting_and_the_file_is_untouched()
    {
        var path = Path.Combine(_folder, "flags.json");
        await File.WriteAllTextAsync(path, Definition);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:flagd:Source"] = path });

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(true, "green")), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        // The exact JSON path goes to the log; the outcome names the setting, never what the file holds.
        Assert.Contains("Providers:flagd:Source", failed.Reason);
        Assert.Contains("could not be edited automatically", failed.Reason);
        Assert.Contains("\"defaultVariant\": \"green\"", failed.ManualSteps);
        Assert.Equal(Definition, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_missing_source_fails_naming_both_places_it_is_looked_for()
    {
        await using var services = Build(new Dictionary<string, string?>());

        var outcome = await Client(services, "flagd").RollBackAsync(Plan("flagd", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("flag.settings.source", failed.Reason);
        Assert.Contains("Providers:flagd:Source", failed.Reason);
    }

    [Fact]
    public void Editing_one_flag_never_changes_any_other_flag()
    {
        var genFlag = Gen.Select(Gen.Bool, Gen.String[Gen.Char["abcdef"], 1, 6], Gen.Int[0, 1000]);
        Gen.Select(Gen.Dictionary(Gen.String[Gen.Char["abcxyz-"], 1, 8], genFlag)[1, 8], Gen.Bool, Gen.Bool).Sample((flags, enabled, setVariant) =>
        {
            var root = new JsonObject { ["flags"] = new JsonObject() };
            foreach (var (key, (on, variant, weight)) in flags)
            {
                root["flags"]![key] = new JsonObject
                {
                    ["state"] = on ? "ENABLED" : "DISABLED",
                    ["variants"] = new JsonObject { [variant] = weight, ["other"] = false },
                    ["defaultVariant"] = variant,
                };
            }

            var target = flags.Keys.First();
            var restore = new FlagState(enabled, setVariant ? "other" : null);
            Assert.True(FlagdDefinitionEdit.TryApply(root.ToJsonString(), target, restore, out var edited, out _, out var problem), problem);
            var after = JsonNode.Parse(edited)!;
            foreach (var key in flags.Keys.Where(k => k != target))
            {
                Assert.True(JsonNode.DeepEquals(root["flags"]![key], after["flags"]![key]));
            }

            Assert.Equal(enabled ? "ENABLED" : "DISABLED", after["flags"]![target]!["state"]!.GetValue<string>());
            Assert.Equal(setVariant ? "other" : flags[target].Item2, after["flags"]![target]!["defaultVariant"]!.GetValue<string>());
        });
    }
}
