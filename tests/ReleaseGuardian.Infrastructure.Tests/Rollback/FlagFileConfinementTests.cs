using System.Diagnostics;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// Issue 12, finding 2: the flagd and GO Feature Flag rollbacks edited any local path a definition named, left a 0600
/// file 0644, and quoted the file's first byte or its YAML layout in the error. Files are edited only under
/// <c>FlagFiles:Root</c> now, keep their mode and owner, and errors name the setting only.
/// </summary>
public sealed class FlagFileConfinementTests : IDisposable
{
    private const string Flagd = """
        {"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}}
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("rg-root-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("rg-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private ServiceProvider Services(Action<IServiceCollection>? configure = null) =>
        Build(new Dictionary<string, string?> { ["FlagFiles:Root"] = _root }, configure);

    private static RollbackPlan FlagdPlan(string source) =>
        Plan("flagd", "new-checkout", new FlagState(false, "off"), settings: new Dictionary<string, string> { ["source"] = source });

    private async Task<string> OutsideFileAsync()
    {
        var path = Path.Combine(_outside, "flags.json");
        await File.WriteAllTextAsync(path, Flagd);
        return path;
    }

    [Fact]
    public async Task A_flagd_source_outside_the_root_is_refused_naming_the_setting_and_left_untouched()
    {
        var outside = await OutsideFileAsync();
        await using var services = Services();

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(outside), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("FlagFiles:Root", failed.Reason);
        Assert.Contains("flag.settings.source", failed.Reason);
        Assert.Equal(Flagd, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task A_dot_dot_path_out_of_the_root_is_refused_and_the_target_left_untouched()
    {
        var outside = await OutsideFileAsync();
        await using var services = Services();
        var climbing = Path.Combine(_root, "..", Path.GetFileName(_outside), "flags.json");

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(climbing), default);

        Assert.Contains("'..'", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(Flagd, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task A_symlink_inside_the_root_that_leads_out_of_it_is_refused_and_its_target_left_untouched()
    {
        var outside = await OutsideFileAsync();
        var link = Path.Combine(_root, "flags.json");
        File.CreateSymbolicLink(link, outside);
        await using var services = Services();

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(link), default);

        Assert.Contains("outside FlagFiles:Root", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(Flagd, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task A_symlinked_folder_inside_the_root_that_leads_out_of_it_is_refused()
    {
        var outside = await OutsideFileAsync();
        Directory.CreateSymbolicLink(Path.Combine(_root, "shared"), _outside);
        await using var services = Services();

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(Path.Combine(_root, "shared", "flags.json")), default);

        Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Equal(Flagd, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task Without_a_root_no_local_file_is_edited()
    {
        var outside = await OutsideFileAsync();
        await using var services = Build(new Dictionary<string, string?> { ["FlagFiles:Root"] = "" });

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(outside), default);

        Assert.Contains("FlagFiles:Root is not configured", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(Flagd, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task A_GO_Feature_Flag_file_outside_the_root_is_refused_and_left_untouched()
    {
        var outside = Path.Combine(_outside, "flags.yaml");
        const string yaml = "new-checkout:\n  variations:\n    on: true\n    off: false\n  defaultRule:\n    variation: on\n";
        await File.WriteAllTextAsync(outside, yaml);
        await using var services = Services();

        var outcome = await Client(services, "gofeatureflag").RollBackAsync(
            Plan("gofeatureflag", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["flagFile"] = outside }), default);

        Assert.Contains("flag.settings.flagFile", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(yaml, await File.ReadAllTextAsync(outside));
    }

    [Fact]
    public async Task A_flag_file_larger_than_the_cap_is_not_read()
    {
        var path = Path.Combine(_root, "flags.json");
        var huge = Flagd + new string(' ', 2 * 1024 * 1024);
        await File.WriteAllTextAsync(path, huge);
        await using var services = Build(new Dictionary<string, string?> { ["FlagFiles:Root"] = _root, ["Outbound:MaxResponseBytes"] = "1048576" });

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(path), default);

        Assert.Contains("Outbound:MaxResponseBytes", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(huge, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_relative_source_is_taken_from_the_root_and_edited()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "flags.json"), Flagd);
        await using var services = Services();

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan("flags.json"), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Contains("\"DISABLED\"", await File.ReadAllTextAsync(Path.Combine(_root, "flags.json")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_0600_file_keeps_its_mode_and_owner_when_rewritten()
    {
        var path = Path.Combine(_root, "flags.json");
        await File.WriteAllTextAsync(path, Flagd);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // As root (CI here) the file is given to another user first, so keeping the owner is a real check; as any
        // other user the owner is the process's own, and the mode is what is checked.
        if (Environment.UserName == "root")
        {
            Run("chown", "65534:65534", path);
        }

        var owner = Stat(path);
        await using var services = Services();

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan(path), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(owner, Stat(path));
        Assert.Contains("\"DISABLED\"", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(_root));
    }

    [Fact]
    public async Task An_error_never_quotes_the_file_not_its_first_byte_nor_its_layout()
    {
        // A secrets file and a YAML file the definition tried to use as flag files: the reasons must be the same
        // sentence whatever the file holds, so they tell nothing about it.
        var secrets = Path.Combine(_root, "app.env");
        await File.WriteAllTextAsync(secrets, "SECRET_TOKEN=abc123\n");
        var yamlWithKey = Path.Combine(_root, "a.yaml");
        await File.WriteAllTextAsync(yamlWithKey, "new-checkout: {a: 1}\n");
        var yamlWithout = Path.Combine(_root, "b.yaml");
        await File.WriteAllTextAsync(yamlWithout, "database:\n  password: hunter2\n");
        await using var services = Services();

        var flagd = Assert.IsType<RollbackOutcome.Failed>(await Client(services, "flagd").RollBackAsync(FlagdPlan(secrets), default));
        var withKey = Assert.IsType<RollbackOutcome.Failed>(await Client(services, "gofeatureflag").RollBackAsync(
            Plan("gofeatureflag", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["flagFile"] = yamlWithKey }), default));
        var without = Assert.IsType<RollbackOutcome.Failed>(await Client(services, "gofeatureflag").RollBackAsync(
            Plan("gofeatureflag", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["flagFile"] = yamlWithout }), default));

        Assert.DoesNotContain("'S'", flagd.Reason);
        Assert.DoesNotContain("SECRET", flagd.Reason);
        Assert.Equal(withKey.Reason, without.Reason);
        Assert.DoesNotContain("hunter2", without.Reason + without.ManualSteps);
    }

    [Fact]
    public async Task A_blob_source_on_a_host_the_operator_did_not_configure_never_gets_a_token()
    {
        var credential = new RecordingCredential();
        await using var services = Build(
            new Dictionary<string, string?> { ["Providers:flagd:BlobServiceUri"] = "https://guardianflags.blob.core.windows.net" },
            s => s.AddSingleton<TokenCredential>(credential));

        var outcome = await Client(services, "flagd").RollBackAsync(FlagdPlan("https://attacker.blob.core.windows.net/flags/flags.json"), default);

        Assert.Contains("not the configured storage", Assert.IsType<RollbackOutcome.Failed>(outcome).Reason);
        Assert.Equal(0, credential.Requests);
    }

    private static string Stat(string path) => Run("stat", "-c", "%u:%g", path).Output.Trim();

    private static (string Output, int Exit) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return (output, process.ExitCode);
    }

    private sealed class RecordingCredential : TokenCredential
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return new AccessToken("token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
