using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// One provider's rollout client from the hosts' composition (AddFlagRollback), against a loopback flag service,
/// with the steps every provider's rollout tests take.
/// </summary>
internal sealed class RolloutHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private RolloutHarness(LoopbackServer server, ServiceProvider services, FlagBinding flag)
    {
        Server = server;
        _services = services;
        Client = Rollout(services, flag.Provider);
        Flag = flag;
    }

    public LoopbackServer Server { get; }

    public IFlagRolloutClient Client { get; }

    public FlagBinding Flag { get; }

    public IReadOnlyList<RecordedRequest> Requests => Server.Requests;

    public static async Task<RolloutHarness> StartAsync(
        Func<RecordedRequest, HttpContext, Task> handler, Func<LoopbackServer, Dictionary<string, string?>> settings, FlagBinding flag)
    {
        var server = await LoopbackServer.StartAsync(handler);
        return new RolloutHarness(server, Build(settings(server)), flag);
    }

    /// <summary>A flag service that answers every request with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public static async Task<RolloutHarness> FailingAsync(
        int status, string body, Func<LoopbackServer, Dictionary<string, string?>> settings, FlagBinding flag)
    {
        var server = await ServerAnswering(body, status);
        return new RolloutHarness(server, Build(settings(server)), flag);
    }

    public Task<FlagRolloutSnapshot> CaptureAsync() => Client.CaptureAsync(Flag, default);

    public Task<RolloutWriteResult> SetAsync(FlagRolloutSnapshot before, int percent, string? variant = null, string? reason = null) =>
        Client.SetRolloutAsync(Flag, before, percent, variant, reason ?? $"stage {percent}%", default);

    public Task<RolloutWriteResult> RestoreAsync(FlagRolloutSnapshot before, string reason = "No-Go") => Client.RestoreAsync(Flag, before, reason, default);

    /// <summary>Captures, sets each percentage in turn (reason "stage {p}%"), then restores (reason "No-Go").</summary>
    public async Task<Stages> StagesThenRestoreAsync(params int[] percents)
    {
        var before = await CaptureAsync();
        var sets = new List<RolloutWriteResult>();
        foreach (var percent in percents)
        {
            sets.Add(await SetAsync(before, percent));
        }

        return new Stages(before, sets, await RestoreAsync(before));
    }

    /// <summary>Captures, sets <paramref name="percent"/>, sets it again; the second result and the requests it sent.</summary>
    public async Task<(RolloutWriteResult Again, RecordedRequest[] Sent)> SetTwiceAsync(int percent)
    {
        var before = await CaptureAsync();
        await SetAsync(before, percent);
        var count = Requests.Count;
        var again = await SetAsync(before, percent, reason: "stage (activity retried)");
        return (again, Requests.Skip(count).ToArray());
    }

    /// <summary>
    /// Against a failing service: the capture is unknown and a 10% set fails, naming <paramref name="what"/> and
    /// <paramref name="status"/>, with <paramref name="secret"/> in neither.
    /// </summary>
    public async Task<(FlagRolloutSnapshot Captured, RolloutWriteResult Set)> AssertFailsAsync(string what, string status, string secret)
    {
        var captured = await CaptureAsync();
        var set = await SetAsync(captured, 10);
        Assert.True(Infrastructure.Rollback.RollbackClientBase.IsUnknown(captured), captured.Summary);
        Assert.False(set.Succeeded);
        Assert.Contains(what, set.Detail);
        Assert.Contains(status, set.Detail);
        Assert.DoesNotContain(secret, set.Detail + captured.Summary);
        return (captured, set);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>A release's writes: the state before, each stage's result, and the restore's.</summary>
internal sealed record Stages(FlagRolloutSnapshot Before, IReadOnlyList<RolloutWriteResult> Sets, RolloutWriteResult Restored)
{
    /// <summary>Every stage succeeded, and the restore read back the captured state (same JSON, numbers compared by value).</summary>
    public void AssertRestoredExactly()
    {
        Assert.All(Sets, s => Assert.True(s.Succeeded, s.Detail));
        Assert.True(Restored.Succeeded, Restored.Detail);
        Assert.Equal(Before.Fingerprint, Restored.After!.Fingerprint);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(Before.State), System.Text.Json.Nodes.JsonNode.Parse(Restored.After.State)), Restored.After.State);
    }
}
