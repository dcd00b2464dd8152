using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class RetryTests
{
    private static Dictionary<string, string?> GrowthBookAt(Testing.LoopbackServer server) => new()
    {
        ["Providers:growthbook:BaseUrl"] = BaseUrl(server),
        ["Providers:growthbook:ApiToken"] = "gb-secret-token",
    };

    [Fact]
    public async Task Three_server_errors_then_success_is_one_change_after_four_attempts()
    {
        await using var server = await ServerAnswering("{}", 500, 503, 500, 200);
        await using var services = Build(GrowthBookAt(server));

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(false)), default);

        Assert.Equal(4, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        Assert.Equal(4, server.Requests.Count);
        Assert.Single(server.Requests.Select(r => r.Method + r.Path + r.BodyText).Distinct());
    }

    [Fact]
    public async Task A_bad_request_fails_at_once_with_the_status_an_excerpt_and_manual_steps_but_never_the_token()
    {
        await using var server = await ServerAnswering("{\"message\":\"invalid token gb-secret-token for environment\"}", 400);
        await using var services = Build(GrowthBookAt(server));

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Equal(1, failed.Attempts);
        Assert.Single(server.Requests);
        Assert.Contains("HTTP 400", failed.Reason);
        Assert.Contains("invalid token *** for environment", failed.Reason);
        Assert.DoesNotContain("gb-secret-token", failed.Reason);
        Assert.Contains("curl -X POST", failed.ManualSteps);
        Assert.Contains("$GROWTHBOOK_API_KEY", failed.ManualSteps);
        Assert.DoesNotContain("gb-secret-token", failed.ManualSteps);
    }

    [Fact]
    public async Task A_persistent_server_error_fails_after_the_last_attempt()
    {
        await using var server = await ServerAnswering("{\"error\":\"upstream down\"}", 502);
        await using var services = Build(GrowthBookAt(server));

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Equal(4, failed.Attempts);
        Assert.Equal(4, server.Requests.Count);
        Assert.Contains("HTTP 502", failed.Reason);
        Assert.Contains("upstream down", failed.Reason);
    }

    [Fact]
    public async Task Too_many_requests_is_retried()
    {
        await using var server = await ServerAnswering("{}", 429, 200);
        await using var services = Build(GrowthBookAt(server));

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(true)), default);

        Assert.Equal(2, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
    }

    [Fact]
    public async Task An_unreachable_service_fails_with_a_transport_error()
    {
        var port = Testing.AzuriteFixture.FreePort();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:growthbook:BaseUrl"] = $"http://127.0.0.1:{port}",
            ["Providers:growthbook:ApiToken"] = "gb-secret-token",
            ["Rollback:MaxAttempts"] = "2",
        });

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("transport error", failed.Reason);
        Assert.Equal(2, failed.Attempts);
    }

    [Fact]
    public async Task One_attempt_configured_means_a_server_error_is_final_after_one_request()
    {
        await using var server = await ServerAnswering("{}", 503, 200);
        await using var services = Build(new Dictionary<string, string?>(GrowthBookAt(server)) { ["Rollback:MaxAttempts"] = "1" });

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Equal(1, failed.Attempts);
        Assert.Single(server.Requests);
    }
}
