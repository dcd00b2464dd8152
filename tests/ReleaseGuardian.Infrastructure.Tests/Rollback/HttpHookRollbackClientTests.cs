using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class HttpHookRollbackClientTests
{
    [Fact]
    public async Task The_hook_receives_the_rollback_request_signed_over_the_exact_body()
    {
        await using var server = await LoopbackServer.StartAsync(202, "");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:http:ApiToken"] = "hook-token",
            ["Providers:http:Secret"] = "hook-signing-secret",
            ["Providers:http:AllowedUrls"] = BaseUrl(server) + "/flags/rollback",
        });
        var plan = Plan("http", "new-checkout", new FlagState(false, "legacy"), project: "shop", environment: "prod",
            settings: new Dictionary<string, string> { ["url"] = BaseUrl(server) + "/flags/rollback" });

        var outcome = await Client(services, "http").RollBackAsync(plan, default);

        Assert.Equal(1, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/flags/rollback", request.Path);
        Assert.Equal("Bearer hook-token", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var signature = request.Header("X-Guardian-Signature");
        Assert.StartsWith("sha256=", signature);
        Assert.True(HmacSignature.MatchesHex("hook-signing-secret", request.Body, signature!["sha256=".Length..]));

        var body = Json(request);
        Assert.Equal("checkout", body.GetProperty("guardianId").GetString());
        Assert.Equal("run-6", body.GetProperty("runId").GetString());
        var flag = body.GetProperty("flag");
        Assert.Equal(("http", "new-checkout", "shop", "prod"),
            (flag.GetProperty("provider").GetString(), flag.GetProperty("key").GetString(), flag.GetProperty("project").GetString(), flag.GetProperty("environment").GetString()));
        Assert.False(body.GetProperty("restoreTo").GetProperty("enabled").GetBoolean());
        Assert.Equal("legacy", body.GetProperty("restoreTo").GetProperty("variant").GetString());
        var change = body.GetProperty("changeUnderTest");
        Assert.Equal("chg-1", change.GetProperty("changeId").GetString());
        Assert.Equal("ada@example.org", change.GetProperty("actor").GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 58, 0, TimeSpan.Zero), change.GetProperty("changedAt").GetDateTimeOffset());
        Assert.Equal("No-Go: error rate 0.12 > 0.015", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Without_a_secret_or_token_the_hook_is_called_unsigned_at_the_configured_url()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?> { ["Providers:http:Url"] = BaseUrl(server) + "/hook" });

        var outcome = await Client(services, "http").RollBackAsync(Plan("http", "f", new FlagState(true)), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/hook", request.Path);
        Assert.Null(request.Header("X-Guardian-Signature"));
        Assert.Null(request.Header("Authorization"));
    }

    // Issue 12, finding 1: a definition's flag.settings.url that the operator did not configure never gets the
    // operator's token or signature (stored definitions from before the PUT check are covered here).
    [Theory]
    [InlineData("/attacker")]
    [InlineData("/hook/../attacker")]
    [InlineData("/hook?x=1")]
    public async Task A_hook_url_the_operator_did_not_configure_gets_nothing_neither_token_nor_signature(string path)
    {
        await using var configured = await LoopbackServer.StartAsync(202, "");
        await using var attacker = await LoopbackServer.StartAsync(202, "");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:http:Url"] = BaseUrl(configured) + "/hook",
            ["Providers:http:ApiToken"] = "hook-token",
            ["Providers:http:Secret"] = "hook-signing-secret",
        });
        var plan = Plan("http", "new-checkout", new FlagState(false),
            settings: new Dictionary<string, string> { ["url"] = BaseUrl(attacker) + path });

        var outcome = await Client(services, "http").RollBackAsync(plan, default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("Providers:http:AllowedUrls", failed.Reason);
        Assert.Empty(attacker.Requests);
        Assert.Empty(configured.Requests);
    }

    [Fact]
    public async Task A_hook_url_on_the_operators_allow_list_is_called_with_the_credentials()
    {
        await using var first = await LoopbackServer.StartAsync(202, "");
        await using var second = await LoopbackServer.StartAsync(202, "");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:http:AllowedUrls"] = $"{BaseUrl(first)}/hook; {BaseUrl(second)}/hook",
            ["Providers:http:ApiToken"] = "hook-token",
        });

        var outcome = await Client(services, "http").RollBackAsync(
            Plan("http", "new-checkout", new FlagState(false), settings: new Dictionary<string, string> { ["url"] = BaseUrl(second) + "/hook" }), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal("Bearer hook-token", Assert.Single(second.Requests).Header("Authorization"));
        Assert.Empty(first.Requests);
    }
}
