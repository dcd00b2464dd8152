using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class GoFeatureFlagRollbackTests : IDisposable
{
    private const string JsonFlags = """
        {
          "new-checkout": {
            "variations": { "enabled": true, "disabled": false },
            "defaultRule": { "percentage": { "enabled": 80, "disabled": 20 } }
          },
          "banner": {
            "variations": { "a": "A", "b": "B" },
            "defaultRule": { "variation": "a" },
            "disable": false
          }
        }
        """;

    private const string YamlFlags = """
        # flags served by the relay proxy
        banner:
          variations:
            a: A
            b: B
          defaultRule:
            variation: a
        new-checkout:
          variations:
            enabled: true
            disabled: false
          defaultRule:
            variation: enabled   # rolled out on Monday
          disable: false # keep
        footer:
          variations:
            x: 1
          defaultRule:
            variation: x
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("rg-goff-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Disabling_a_json_flag_edits_the_file_and_asks_the_relay_proxy_to_refresh()
    {
        var path = Path.Combine(_folder, "flags.goff.json");
        await File.WriteAllTextAsync(path, JsonFlags);
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:gofeatureflag:FlagFile"] = path,
            ["Providers:gofeatureflag:BaseUrl"] = BaseUrl(server),
            ["Providers:gofeatureflag:AdminKey"] = "goff-admin-key",
        });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "new-checkout", new FlagState(false)), default);

        Assert.Equal(1, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        var after = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        Assert.True(after["new-checkout"]!["disable"]!.GetValue<bool>());
        var before = JsonNode.Parse(JsonFlags)!;
        Assert.True(JsonNode.DeepEquals(before["new-checkout"]!["defaultRule"], after["new-checkout"]!["defaultRule"]));
        Assert.True(JsonNode.DeepEquals(before["banner"], after["banner"]));

        var refresh = Assert.Single(server.Requests);
        Assert.Equal("POST", refresh.Method);
        Assert.Equal("/admin/v1/retriever/refresh", refresh.Path);
        Assert.Equal("Bearer goff-admin-key", refresh.Header("Authorization"));
    }

    [Fact]
    public async Task Restoring_a_json_variant_serves_that_variation_to_everyone_again()
    {
        var path = Path.Combine(_folder, "flags.json");
        await File.WriteAllTextAsync(path, JsonFlags);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:gofeatureflag:FlagFile"] = path });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "new-checkout", new FlagState(true, "disabled")), default);

        Assert.Contains("next poll", Assert.IsType<RollbackOutcome.Succeeded>(outcome).Summary);
        var flag = JsonNode.Parse(await File.ReadAllTextAsync(path))!["new-checkout"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"variation\":\"disabled\"}"), flag["defaultRule"]));
        Assert.False(flag["disable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_yaml_flag_gets_only_its_disable_and_variation_lines_changed()
    {
        var path = Path.Combine(_folder, "flags.goff.yaml");
        await File.WriteAllTextAsync(path, YamlFlags);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:gofeatureflag:FlagFile"] = path });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "new-checkout", new FlagState(false, "disabled")), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var expected = YamlFlags
            .Replace("    variation: enabled   # rolled out on Monday", "    variation: \"disabled\" # rolled out on Monday", StringComparison.Ordinal)
            .Replace("  disable: false # keep", "  disable: true # keep", StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_yaml_flag_without_a_disable_key_gets_one_under_the_flag()
    {
        var path = Path.Combine(_folder, "flags.yml");
        await File.WriteAllTextAsync(path, YamlFlags);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:gofeatureflag:FlagFile"] = path });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "footer", new FlagState(false)), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var expected = YamlFlags.Replace("footer:\n", "footer:\n  disable: true\n", StringComparison.Ordinal);
        Assert.Equal(expected, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_yaml_default_rule_without_a_single_variation_is_refused_naming_the_setting_and_the_file_untouched()
    {
        const string yaml = "new-checkout:\n  variations:\n    on: true\n    off: false\n  defaultRule:\n    percentage:\n      on: 50\n      off: 50\n";
        var path = Path.Combine(_folder, "flags.yaml");
        await File.WriteAllTextAsync(path, yaml);
        await using var services = Build(new Dictionary<string, string?> { ["Providers:gofeatureflag:FlagFile"] = path });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "new-checkout", new FlagState(true, "off")), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        // The YAML layout goes to the log; the outcome names the setting only.
        Assert.Contains("Providers:gofeatureflag:FlagFile", failed.Reason);
        Assert.DoesNotContain("defaultRule", failed.Reason);
        Assert.Equal(yaml, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_failed_refresh_says_the_file_already_holds_the_rollback()
    {
        var path = Path.Combine(_folder, "flags.json");
        await File.WriteAllTextAsync(path, JsonFlags);
        await using var server = await LoopbackServer.StartAsync(401, "{\"message\":\"unauthorized\"}");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:gofeatureflag:FlagFile"] = path,
            ["Providers:gofeatureflag:BaseUrl"] = BaseUrl(server),
            ["Providers:gofeatureflag:AdminKey"] = "wrong-key",
        });

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(Plan("gofeatureflag", "banner", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("HTTP 401", failed.Reason);
        Assert.Contains("/admin/v1/retriever/refresh", failed.ManualSteps);
        Assert.DoesNotContain("wrong-key", failed.ManualSteps);
        Assert.True(JsonNode.Parse(await File.ReadAllTextAsync(path))!["banner"]!["disable"]!.GetValue<bool>());
    }
}
