using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>
/// Issue 12, finding 7: a flag key or project of <c>..</c> sent the LaunchDarkly PATCH, with its token, to another API
/// path (.NET removes dot segments, escaped or not), and the run reported rolled-back. Definitions and events refuse
/// such names now; these tests show the clients refuse them too, for anything stored before.
/// </summary>
public sealed class PathSegmentTests
{
    [Theory]
    [InlineData("..", "shop")]
    [InlineData(".", "shop")]
    [InlineData("new-checkout", "..")]
    [InlineData("%2e%2e", "shop")]
    [InlineData("a/../../admin", "shop")]
    public async Task A_dot_segment_in_a_LaunchDarkly_flag_never_reaches_another_API_path(string key, string project)
    {
        await using var server = await LoopbackServer.StartAsync(200, "{}");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:launchdarkly:BaseUrl"] = BaseUrl(server),
            ["Providers:launchdarkly:ApiToken"] = "api-0123-secret",
        });

        var outcome = await Client(services, "launchdarkly").RollBackAsync(
            Plan("launchdarkly", key, new FlagState(false), project: project, environment: "production"), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Equal(0, failed.Attempts);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("unleash", "..")]
    [InlineData("growthbook", "..")]
    [InlineData("azureappconfig", "..")]
    public async Task A_dot_segment_flag_key_is_never_sent_by_any_client(string provider, string key)
    {
        await using var server = await LoopbackServer.StartAsync(200, "{}");
        await using var services = Build(new Dictionary<string, string?>
        {
            [$"Providers:{provider}:BaseUrl"] = BaseUrl(server),
            [$"Providers:{provider}:Endpoint"] = BaseUrl(server),
            [$"Providers:{provider}:ApiToken"] = "token-0123",
            [$"Providers:{provider}:Credential"] = "id-0123",
            [$"Providers:{provider}:Secret"] = Convert.ToBase64String(new byte[32]),
        });

        var outcome = await Client(services, provider).RollBackAsync(
            Plan(provider, key, new FlagState(false), project: "web", environment: "production"), default);

        Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_ordinary_key_with_a_dot_still_rolls_back()
    {
        await using var server = await LoopbackServer.StartAsync(200, "{}");
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:launchdarkly:BaseUrl"] = BaseUrl(server),
            ["Providers:launchdarkly:ApiToken"] = "api-0123-secret",
        });

        var outcome = await Client(services, "launchdarkly").RollBackAsync(
            Plan("launchdarkly", "checkout.v2", new FlagState(false), project: "shop", environment: "production"), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal("/api/v2/flags/shop/checkout.v2", Assert.Single(server.Requests).Path);
    }
}
