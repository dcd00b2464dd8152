using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.Rollback;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

// The hook contract is ours (docs/rollout-providers.md), so the samples here are that contract, not a vendor's.
public sealed class HttpHookRolloutTests
{
    /// <summary>A flag system behind a hook that can read: GET answers the state, POST sets it.</summary>
    private sealed class ReadingHook
    {
        public JsonObject State { get; set; } = new() { ["enabled"] = false, ["variant"] = "legacy" };

        public async Task Handle(RecordedRequest request, HttpContext context)
        {
            context.Response.ContentType = "application/json";
            if (request.Method == "POST")
            {
                State = JsonNode.Parse(request.Body)!["setTo"]!.DeepClone().AsObject();
                context.Response.StatusCode = 202;
                return;
            }

            await context.Response.WriteAsync(State.ToJsonString());
        }
    }

    private static Dictionary<string, string?> Settings(LoopbackServer server) => new()
    {
        ["Providers:http:Url"] = BaseUrl(server) + "/flags/hook",
        ["Providers:http:ApiToken"] = "hook-token",
        ["Providers:http:Secret"] = "hook-signing-secret",
    };

    private static readonly FlagBinding Flag = Binding("http", "new-checkout", project: "shop", environment: "prod");

    private static void AssertSigned(RecordedRequest request)
    {
        Assert.Equal("Bearer hook-token", request.Header("Authorization"));
        var signature = request.Header("X-Guardian-Signature")!;
        Assert.True(HmacSignature.MatchesHex("hook-signing-secret", request.Body, signature["sha256=".Length..]));
    }

    private static JsonNode Posted(string action, bool enabled, string? variant, int? percent, string reason) => new JsonObject
    {
        ["action"] = action,
        ["flag"] = new JsonObject { ["provider"] = "http", ["key"] = "new-checkout", ["project"] = "shop", ["environment"] = "prod" },
        ["setTo"] = new JsonObject { ["enabled"] = enabled, ["variant"] = variant },
        ["percent"] = percent,
        ["reason"] = reason,
    };

    [Fact]
    public async Task Capture_set_100_set_0_and_restore_read_and_post_to_the_operators_hook_signed()
    {
        var hook = new ReadingHook();
        await using var harness = await RolloutHarness.StartAsync(hook.Handle, Settings, Flag);

        var before = await harness.CaptureAsync();
        var on = await harness.SetAsync(before, 100, reason: "stage 1/1");
        var off = await harness.SetAsync(before, 0, reason: "stage 0");
        hook.State = new JsonObject { ["enabled"] = true, ["variant"] = null };
        var restored = await harness.RestoreAsync(before);

        Assert.False(harness.Client.SupportsPercentages);
        Assert.Equal((0, false, "off, variant 'legacy' (on/off only)"), (before.RolloutPercent, before.SupportsPercentages, before.Summary));
        var requests = harness.Requests;
        Assert.Equal(["GET", "POST", "GET", "POST", "GET", "POST", "GET"], requests.Select(r => r.Method));
        Assert.All(requests, r => Assert.Equal("/flags/hook", r.Path));
        Assert.All(requests, AssertSigned);
        Assert.All(requests.Where(r => r.Method == "GET"), r => Assert.Equal("?flag=new-checkout&environment=prod", r.Query));
        Assert.All(requests.Where(r => r.Method == "POST"), r => Assert.StartsWith("application/json", r.Header("Content-Type")));
        Assert.True(JsonNode.DeepEquals(Posted("setRollout", true, null, 100, "stage 1/1"), JsonNode.Parse(requests[1].Body)), requests[1].BodyText);
        Assert.True(JsonNode.DeepEquals(Posted("setRollout", false, null, 0, "stage 0"), JsonNode.Parse(requests[3].Body)), requests[3].BodyText);
        Assert.True(JsonNode.DeepEquals(Posted("restore", false, "legacy", null, "No-Go"), JsonNode.Parse(requests[5].Body)), requests[5].BodyText);
        Assert.Equal((100, 0), (on.After!.RolloutPercent, off.After!.RolloutPercent));
        new Stages(before, [on, off], restored).AssertRestoredExactly();
    }

    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    public async Task Any_percentage_but_0_or_100_is_refused_naming_on_off_only_and_nothing_is_sent(int percent)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(Settings(server));
        var snapshot = new FlagRolloutSnapshot("http", "{\"enabled\":false,\"variant\":null}", 0, "f", false, "off (on/off only)");

        var result = await Rollout(services, "http").SetRolloutAsync(Flag, snapshot, percent, null, "stage", default);

        Assert.False(result.Succeeded);
        Assert.Contains($"has only on/off: {percent}% of flag 'new-checkout' cannot be served", result.Detail);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_hook_that_cannot_read_gives_an_unknown_state_which_is_never_restored()
    {
        await using var server = await LoopbackServer.StartAsync(async (request, context) =>
        {
            context.Response.StatusCode = request.Method == "GET" ? 405 : 202;
            await context.Response.WriteAsync("");
        });
        await using var services = Build(Settings(server));
        var client = Rollout(services, "http");

        var before = await client.CaptureAsync(Flag, default);
        var on = await client.SetRolloutAsync(Flag, before, 100, null, "stage", default);
        var restored = await client.RestoreAsync(Flag, before, "No-Go", default);

        Assert.True(RollbackClientBase.IsUnknown(before));
        Assert.Contains("HTTP 405", before.Summary);
        Assert.True(on.Succeeded, on.Detail);
        Assert.Null(on.After);
        Assert.Contains("Reading it back failed", on.Detail);
        Assert.False(restored.Succeeded);
        Assert.Contains("pre-release state is unknown", restored.Detail);
        Assert.Equal(["GET", "POST", "GET"], server.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task A_hook_url_the_operator_did_not_configure_is_neither_read_nor_called()
    {
        await using var configured = await LoopbackServer.StartAsync();
        await using var attacker = await LoopbackServer.StartAsync();
        await using var services = Build(Settings(configured));
        var flag = Binding("http", "new-checkout", new Dictionary<string, string> { ["url"] = BaseUrl(attacker) + "/flags/hook" });
        var client = Rollout(services, "http");

        var captured = await client.CaptureAsync(flag, default);
        var set = await client.SetRolloutAsync(flag, captured, 100, null, "stage", default);

        Assert.Contains("Providers:http:AllowedUrls", captured.Summary);
        Assert.False(set.Succeeded);
        Assert.Contains("not one the operator configured", set.Detail);
        Assert.Empty(attacker.Requests);
        Assert.Empty(configured.Requests);
    }

    [Fact]
    public async Task A_hook_error_fails_with_its_status_and_without_the_token()
    {
        await using var harness = await RolloutHarness.FailingAsync(500, "{\"error\":\"rejected hook-token\"}", Settings, Flag);

        var result = await harness.SetAsync(new FlagRolloutSnapshot("http", "{\"enabled\":false,\"variant\":null}", 0, "f", false, "off (on/off only)"), 100);

        Assert.False(result.Succeeded);
        Assert.Contains("did not accept turning flag 'new-checkout' on", result.Detail);
        Assert.Contains("HTTP 500", result.Detail);
        Assert.DoesNotContain("hook-token", result.Detail);
    }
}
