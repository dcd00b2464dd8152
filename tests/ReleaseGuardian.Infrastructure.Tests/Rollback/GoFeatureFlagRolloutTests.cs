using CsCheck;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RolloutClients;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class GoFeatureFlagRolloutTests : IDisposable
{
    private const string AdminKey = "goff-admin-key-0123";

    // GO Feature Flag's own testdata/flag-config.yaml (thomaspoignant/go-feature-flag), with a comment added to show
    // it survives: a targeting rule, a defaultRule serving 'Default', an anchor and a second flag that uses it.
    private const string Yaml = """
        # flags served by the relay proxy
        test-flag:
          variations:
            Default: false
            False: false
            True: true
          targeting:
            - name: rule1
              query: key eq "random-key"
              percentage:
                False: 0
                True: 100
          defaultRule:
            name: defaultRule
            variation: Default
          metadata:
            description: this is a simple feature flag
            issue-link: https://jira.xxx/GOFF-01

        x-reusable-targeting: &x-reusable-targeting
          name: rule1
          query: key eq "not-a-key"
          percentage:
            False: 0
            True: 100

        test-flag2:
          variations:
            Default: false
            False: false
            True: true
          targeting:
            - *x-reusable-targeting
          defaultRule:
            name: defaultRule
            variation: Default

        """;

    // GO Feature Flag's own testdata/flag-config.json (thomaspoignant/go-feature-flag), as it is.
    private const string Json = """
        {
          "test-flag": {
            "variations": {
              "Default": false,
              "False": false,
              "True": true
            },
            "targeting": [
              {
                "query": "key eq \"random-key\"",
                "percentage": {
                  "True": 100,
                  "False": 0
                }
              }
            ],
            "defaultRule": {
              "variation": "Default"
            }
          },
          "test-flag2": {
            "variations": {
              "Default": false,
              "False": false,
              "True": true
            },
            "targeting": [
              {
                "query": "key eq \"not-a-key\"",
                "percentage": {
                  "True": 100,
                  "False": 0
                }
              }
            ],
            "defaultRule": {
              "variation": "Default"
            }
          }
        }

        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("rg-goff-rollout-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_yaml_flag_gets_a_default_rule_percentage_of_10_50_100_and_the_restore_gives_back_the_file_byte_for_byte()
    {
        var path = await WriteAsync("flags.goff.yaml", Yaml);
        await using var relay = await LoopbackServer.StartAsync();
        await using var services = Services(path, relay);
        var client = Of(services, "gofeatureflag");

        var before = await client.CaptureAsync(Flag(), default);
        Assert.Equal(0, before.RolloutPercent);
        Assert.Equal("enabled, defaultRule 100% 'Default'", before.Summary);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        Assert.True(ten.Succeeded, ten.Detail);
        Assert.Equal(Yaml.Replace("""
              defaultRule:
                name: defaultRule
                variation: Default
              metadata:
            """, """
              defaultRule:
                name: defaultRule
                percentage:
                  "True": 10
                  Default: 90
              metadata:
            """, StringComparison.Ordinal), await File.ReadAllTextAsync(path));
        Assert.Equal(10, ten.After!.RolloutPercent);
        Assert.Equal("enabled, defaultRule 90% 'Default' / 10% 'True'", ten.After.Summary);

        var fifty = await client.SetRolloutAsync(Flag(), before, 50, null, "stage 2", default);
        Assert.Contains("\"True\": 50\n      Default: 50\n", await File.ReadAllTextAsync(path));
        var all = await client.SetRolloutAsync(Flag(), before, 100, null, "stage 3", default);
        Assert.Contains("\"True\": 100\n      Default: 0\n", await File.ReadAllTextAsync(path));
        var restored = await client.RestoreAsync(Flag(), before, "No-Go", default);

        Assert.Equal(Yaml, await File.ReadAllTextAsync(path));
        Assert.Equal((50, 100), (fifty.After!.RolloutPercent, all.After!.RolloutPercent));
        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(before.State, restored.After.State);
        Assert.Equal(4, relay.Requests.Count);
        Assert.All(relay.Requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/admin/v1/retriever/refresh", r.Path);
            Assert.Equal("", r.Query);
            Assert.Equal($"Bearer {AdminKey}", r.Header("Authorization"));
            Assert.Empty(r.Body);
        });
    }

    [Fact]
    public async Task A_json_flag_is_rolled_out_and_restored_with_the_other_flag_and_the_layout_untouched()
    {
        var path = await WriteAsync("flags.goff.json", Json);
        await using var relay = await LoopbackServer.StartAsync();
        await using var services = Services(path, relay);
        var client = Of(services, "gofeatureflag");
        var before = await client.CaptureAsync(Flag(), default);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, "True", "stage 1", default);

        Assert.True(ten.Succeeded, ten.Detail);
        Assert.Equal(Json.Replace("""
                "defaultRule": {
                  "variation": "Default"
                }
              },
              "test-flag2": {
            """, """
                "defaultRule": {
                  "percentage": {
                    "True": 10,
                    "Default": 90
                  }
                }
              },
              "test-flag2": {
            """, StringComparison.Ordinal), await File.ReadAllTextAsync(path));
        var restored = await client.RestoreAsync(Flag(), before, "abort", default);
        Assert.Equal(Json, await File.ReadAllTextAsync(path));
        Assert.Equal(before.Fingerprint, restored.After!.Fingerprint);
    }

    [Fact]
    public async Task The_same_stage_again_leaves_the_file_as_it_is()
    {
        var path = await WriteAsync("flags.goff.yaml", Yaml);
        await using var services = Services(path, null);
        var client = Of(services, "gofeatureflag");
        var before = await client.CaptureAsync(Flag(), default);
        await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        var written = File.GetLastWriteTimeUtc(path);
        var text = await File.ReadAllTextAsync(path);
        File.SetLastWriteTimeUtc(path, written.AddMinutes(-5));

        var again = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1 again", default);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Contains("no relay proxy configured", again.Detail);
        Assert.Equal(text, await File.ReadAllTextAsync(path));
        Assert.Equal(written.AddMinutes(-5), File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public async Task The_fingerprint_changes_when_a_person_changes_the_rule_and_not_when_only_comments_or_layout_change()
    {
        var path = await WriteAsync("flags.goff.yaml", Yaml);
        await using var services = Services(path, null);
        var client = Of(services, "gofeatureflag");
        var before = await client.CaptureAsync(Flag(), default);

        await File.WriteAllTextAsync(path, Yaml.Replace("    variation: Default\n  metadata:", "    variation: Default # reviewed\n  metadata:", StringComparison.Ordinal)
            .Replace("# flags served by the relay proxy", "# flags, served by the relay proxy", StringComparison.Ordinal));
        var commented = await client.CaptureAsync(Flag(), default);
        await File.WriteAllTextAsync(path, Yaml.Replace("    variation: Default\n  metadata:", "    variation: \"True\"\n  metadata:", StringComparison.Ordinal));
        var changed = await client.CaptureAsync(Flag(), default);
        await File.WriteAllTextAsync(path, Yaml.Replace("test-flag:\n  variations:", "test-flag:\n  disable: true\n  variations:", StringComparison.Ordinal));
        var disabled = await client.CaptureAsync(Flag(), default);

        Assert.Equal(before.Fingerprint, commented.Fingerprint);
        Assert.NotEqual(before.Fingerprint, changed.Fingerprint);
        Assert.Equal(100, changed.RolloutPercent);
        Assert.NotEqual(before.Fingerprint, disabled.Fingerprint);
        Assert.Equal(0, disabled.RolloutPercent);
    }

    [Fact]
    public async Task A_disabled_flag_is_enabled_by_the_rollout_and_disabled_again_by_the_restore()
    {
        var disabledYaml = Yaml.Replace("test-flag:\n  variations:", "test-flag:\n  disable: true # until launch\n  variations:", StringComparison.Ordinal);
        var path = await WriteAsync("flags.goff.yaml", disabledYaml);
        await using var services = Services(path, null);
        var client = Of(services, "gofeatureflag");
        var before = await client.CaptureAsync(Flag(), default);

        var ten = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);
        Assert.Contains("  disable: false # until launch\n", await File.ReadAllTextAsync(path));
        Assert.Equal(10, ten.After!.RolloutPercent);
        await client.RestoreAsync(Flag(), before, "No-Go", default);

        Assert.Equal(disabledYaml, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_failed_relay_refresh_is_not_a_success_and_names_what_failed_without_the_admin_key()
    {
        var path = await WriteAsync("flags.goff.yaml", Yaml);
        await using var relay = await LoopbackServer.StartAsync(401, $$"""{"message":"bad key {{AdminKey}}"}""");
        await using var services = Services(path, relay);
        var client = Of(services, "gofeatureflag");
        var before = await client.CaptureAsync(Flag(), default);

        var result = await client.SetRolloutAsync(Flag(), before, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Contains("GO Feature Flag rollout of flag 'test-flag' to 10% was written to Providers:gofeatureflag:FlagFile but the relay proxy refresh failed", result.Detail);
        Assert.Contains("HTTP 401", result.Detail);
        Assert.DoesNotContain(AdminKey, result.Detail);
    }

    [Fact]
    public async Task A_flag_file_outside_the_flag_files_root_is_neither_read_nor_written()
    {
        var outside = Directory.CreateTempSubdirectory("rg-goff-outside-").FullName;
        try
        {
            var path = Path.Combine(outside, "flags.goff.yaml");
            await File.WriteAllTextAsync(path, Yaml);
            await using var services = Build(new Dictionary<string, string?>
            {
                ["Providers:gofeatureflag:FlagFile"] = path,
                ["FlagFiles:Root"] = _folder,
            });
            var client = Of(services, "gofeatureflag");

            var error = await Assert.ThrowsAsync<FlagCaptureException>(() => client.CaptureAsync(Flag(), default));
            var fake = new FlagRolloutSnapshot("gofeatureflag", """{"format":"yaml","text":"test-flag:\n  disable: true","flag":{"variations":{"True":true,"False":false},"defaultRule":{"variation":"False"}}}""", 0, "x", true, "x");
            var set = await client.SetRolloutAsync(Flag(), fake, 10, null, "stage 1", default);
            var restore = await client.RestoreAsync(Flag(), fake, "abort", default);

            Assert.Contains("outside FlagFiles:Root", error.Message);
            Assert.False(set.Succeeded);
            Assert.Contains("outside FlagFiles:Root", set.Detail);
            Assert.False(restore.Succeeded);
            Assert.Equal(Yaml, await File.ReadAllTextAsync(path));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Percentages_give_the_target_exactly_its_percent_and_sum_to_exactly_100_for_any_prior_split()
    {
        Gen.Select(Gen.Int[0, 100], Gen.Int[0, 100].Array[1, 5], Gen.Int[0, 5]).Sample((percent, prior, pick) =>
        {
            var names = prior.Select((_, i) => "v" + i).ToList();
            var served = names.Zip(prior).ToDictionary(x => x.First, x => (long)x.Second * 1000);
            var target = pick < names.Count ? names[pick] : "new";
            var fallback = names.FirstOrDefault(n => n != target) ?? "fallback";

            var shares = RolloutShares.Split(served, target, percent, 100, fallback, StringComparer.Ordinal);

            Assert.Equal(100, shares.Values.Sum());
            Assert.Equal(percent, shares[target]);
            Assert.All(shares.Values, s => Assert.InRange(s, 0, 100));
            Assert.All(shares.Keys, k => Assert.True(k == target || k == fallback || served.GetValueOrDefault(k) > 0, k));
        });
    }

    private static FlagBinding Flag() => new("gofeatureflag", "test-flag");

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private Microsoft.Extensions.DependencyInjection.ServiceProvider Services(string path, LoopbackServer? relay)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:gofeatureflag:FlagFile"] = path,
            ["Providers:gofeatureflag:AdminKey"] = AdminKey,
            ["FlagFiles:Root"] = _folder,
        };
        if (relay is not null)
        {
            settings["Providers:gofeatureflag:BaseUrl"] = BaseUrl(relay);
        }

        return Build(settings);
    }
}
