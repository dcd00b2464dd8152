using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Rollback;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// Issue 15: release rollouts on flagd, against real flag files in a temporary <c>FlagFiles:Root</c>.
/// The flag file is flagd-schemas' own positive test file (json/test/flags/positive/example.flagd.json, see
/// Samples/real/README.md); the fractional form written is the shorthand of flagd-schemas json/targeting.json
/// (<c>fractionalShorthandOp</c>: at least two <c>[variant, weight]</c> pairs, weights summing to 100), the same shape as
/// that file's <c>headerColor</c> flag uses after its bucketing expression.
/// </summary>
public sealed class FlagdRolloutClientTests : IDisposable
{
    private static readonly byte[] Sample = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", "real", "flagd", "flagd-schemas-example.flagd.json"));

    private readonly string _root = Directory.CreateTempSubdirectory("rg-rollout-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("rg-rollout-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private ServiceProvider Services() => Build(new Dictionary<string, string?> { ["FlagFiles:Root"] = _root });

    private static IFlagRolloutClient Rollout(ServiceProvider services) =>
        Assert.Single(services.GetServices<IFlagRolloutClient>(), c => c.Provider == "flagd");

    private static FlagBinding Flag(string key, string source) =>
        new("flagd", key) { Settings = new Dictionary<string, string> { ["source"] = source } };

    private async Task<string> SampleFileAsync(string folder)
    {
        var path = Path.Combine(folder, "flags.flagd.json");
        await File.WriteAllBytesAsync(path, Sample);
        return path;
    }

    private static JsonObject FlagIn(byte[] file, string key) => JsonNode.Parse(file)!["flags"]![key]!.AsObject();

    /// <summary>The document with the flag's object cut out: what must never change while a release edits that flag.</summary>
    private static string Around(byte[] file, string key)
    {
        Assert.True(FlagdFlagText.TryLocate(file, key, out var start, out var length, out var problem), problem);
        return Encoding.UTF8.GetString(file, 0, start) + "<flag>" + Encoding.UTF8.GetString(file, start + length, file.Length - start - length);
    }

    [Fact]
    public async Task Capture_then_10_50_100_then_restore_gives_back_the_exact_bytes_and_never_touches_the_rest()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("isColorYellow", path);

        var preRelease = await client.CaptureAsync(flag, default);

        // The captured state is the flag's object exactly as the file spells it (its 'if' targeting included).
        Assert.StartsWith("{\n      \"state\": \"ENABLED\",", preRelease.State, StringComparison.Ordinal);
        Assert.Contains("\"var\": [\"color\"]", preRelease.State, StringComparison.Ordinal);
        Assert.Null(preRelease.RolloutPercent); // Its 'if' rule says nothing about shares.
        Assert.True(preRelease.SupportsPercentages);
        var outside = Around(Sample, "isColorYellow");

        foreach (var percent in new[] { 10, 50, 100 })
        {
            var result = await client.SetRolloutAsync(flag, preRelease, percent, null, "stage", default);

            Assert.True(result.Succeeded, result.Detail);
            var file = await File.ReadAllBytesAsync(path);
            var written = FlagIn(file, "isColorYellow");
            Assert.Equal("ENABLED", written["state"]!.GetValue<string>());
            Assert.Equal("off", written["defaultVariant"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(FlagIn(Sample, "isColorYellow")["variants"], written["variants"]));
            Assert.True(JsonNode.DeepEquals(
                JsonNode.Parse($$"""{"fractional":[["on",{{percent}}],["off",{{100 - percent}}]]}"""), written["targeting"]));
            Assert.Equal(outside, Around(file, "isColorYellow"));
            Assert.Equal(percent, result.After!.RolloutPercent);
            Assert.NotEqual(preRelease.Fingerprint, result.After.Fingerprint);
        }

        var restored = await client.RestoreAsync(flag, preRelease, "No-Go", default);

        Assert.True(restored.Succeeded, restored.Detail);
        Assert.Equal(Sample, await File.ReadAllBytesAsync(path));
        Assert.Equal(preRelease.Fingerprint, restored.After!.Fingerprint);
        Assert.Equal(preRelease.State, restored.After.State);
    }

    [Fact]
    public async Task A_named_variant_of_a_string_flag_is_rolled_out_against_its_default()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("myStringFlag", path);
        var preRelease = await client.CaptureAsync(flag, default);
        Assert.Null(preRelease.RolloutPercent); // Without a variant named, a string flag has no "on" to measure.

        var result = await client.SetRolloutAsync(flag, preRelease, 25, "key2", "stage 1", default);

        Assert.True(result.Succeeded, result.Detail);
        var written = FlagIn(await File.ReadAllBytesAsync(path), "myStringFlag");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"fractional":[["key2",25],["key1",75]]}"""), written["targeting"]));
        Assert.Equal(25, result.After!.RolloutPercent);
        Assert.Contains("25% 'key2'", result.After.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setting_the_same_rollout_twice_leaves_the_same_bytes()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("isColorYellow", path);
        var preRelease = await client.CaptureAsync(flag, default);

        await client.SetRolloutAsync(flag, preRelease, 10, null, "stage 1", default);
        var once = await File.ReadAllBytesAsync(path);
        var again = await client.SetRolloutAsync(flag, preRelease, 10, null, "stage 1 (replayed)", default);

        Assert.True(again.Succeeded, again.Detail);
        Assert.Equal(once, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_persons_edit_changes_the_fingerprint_but_reformatting_does_not()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("isColorYellow", path);
        var captured = await client.CaptureAsync(flag, default);
        var text = Encoding.UTF8.GetString(Sample);

        // Only whitespace inside the flag changes: the same flag.
        var flagStart = text.IndexOf("\"isColorYellow\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text[..flagStart] + text[flagStart..].Replace("\"on\": true,\n        \"off\": false", "\"on\":true,\"off\":false", StringComparison.Ordinal));
        Assert.Equal(captured.Fingerprint, (await client.CaptureAsync(flag, default)).Fingerprint);

        // A person switches the default variant: a different flag.
        var edited = text[..flagStart] + text[flagStart..].Replace("\"defaultVariant\": \"off\"", "\"defaultVariant\": \"on\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, edited);
        var after = await client.CaptureAsync(flag, default);

        Assert.NotEqual(captured.Fingerprint, after.Fingerprint);
        Assert.Contains("default 'on'", after.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_file_outside_the_root_is_refused_naming_the_setting_and_left_untouched()
    {
        var path = await SampleFileAsync(_outside);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("isColorYellow", path);

        var capture = await Assert.ThrowsAsync<InvalidOperationException>(() => client.CaptureAsync(flag, default));
        var preRelease = new FlagRolloutSnapshot("flagd", """{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}""", 0, "x", true, "off");
        var write = await client.SetRolloutAsync(flag, preRelease, 10, null, "stage 1", default);
        var restore = await client.RestoreAsync(flag, preRelease, "abort", default);

        foreach (var message in new[] { capture.Message, write.Detail, restore.Detail })
        {
            Assert.Contains("flag.settings.source", message, StringComparison.Ordinal);
            Assert.Contains("FlagFiles:Root", message, StringComparison.Ordinal);
        }

        Assert.False(write.Succeeded);
        Assert.False(restore.Succeeded);
        Assert.Equal(Sample, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Without_a_source_setting_the_configured_source_is_used_and_named_in_errors()
    {
        await using var services = Build(new Dictionary<string, string?> { ["FlagFiles:Root"] = _root, ["Providers:flagd:Source"] = Path.Combine(_root, "missing.json") });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Rollout(services).CaptureAsync(new FlagBinding("flagd", "isColorYellow"), default));

        Assert.Contains("Providers:flagd:Source", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_source_is_refused_for_releases()
    {
        await using var services = Services();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Rollout(services).CaptureAsync(Flag("isColorYellow", "azblob://flags/flags.json"), default));

        Assert.Contains("not a local file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_is_refused_naming_it_without_quoting_the_file()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Rollout(services).CaptureAsync(Flag("no-such-flag", path), default));

        Assert.Contains("'no-such-flag'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ENABLED", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_without_an_on_or_true_variant_needs_the_plans_variant_and_nothing_is_written()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("myIntFlag", path);
        var preRelease = await client.CaptureAsync(flag, default);

        var result = await client.SetRolloutAsync(flag, preRelease, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Contains("\"variant\"", result.Detail, StringComparison.Ordinal);
        Assert.Equal(Sample, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_flag_already_serving_the_variant_by_default_is_not_rolled_out()
    {
        var path = await SampleFileAsync(_root);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("myBoolFlag", path);
        var preRelease = await client.CaptureAsync(flag, default);
        Assert.Equal(100, preRelease.RolloutPercent);

        var result = await client.SetRolloutAsync(flag, preRelease, 10, null, "stage 1", default);

        Assert.False(result.Succeeded);
        Assert.Contains("already serves 'on'", result.Detail, StringComparison.Ordinal);
        Assert.Equal(Sample, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task The_file_keeps_its_mode_through_a_rollout_and_a_restore()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        var path = await SampleFileAsync(_root);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var services = Services();
        var client = Rollout(services);
        var flag = Flag("isColorYellow", path);
        var preRelease = await client.CaptureAsync(flag, default);

        await client.SetRolloutAsync(flag, preRelease, 50, null, "stage", default);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        await client.RestoreAsync(flag, preRelease, "abort", default);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public void For_any_percentage_the_fractional_weights_are_p_and_100_minus_p_and_sum_to_100()
    {
        var preRelease = FlagIn(Sample, "isColorYellow");
        Gen.Int[1, 100].Sample(percent =>
        {
            var written = FlagdFlagText.Read(FlagdFlagText.WithRollout(preRelease, "on", "off", percent))!;

            var pairs = written["targeting"]!["fractional"]!.AsArray().Select(p => p!.AsArray()).ToArray();
            Assert.Equal(["on", "off"], pairs.Select(p => p[0]!.GetValue<string>()));
            Assert.Equal([percent, 100 - percent], pairs.Select(p => p[1]!.GetValue<int>()));
            Assert.Equal(100, pairs.Sum(p => p[1]!.GetValue<int>()));
            Assert.Equal(percent, FlagdFlagText.PercentServing(written, "on"));
            Assert.Equal("ENABLED", written["state"]!.GetValue<string>());
        });
    }
}
