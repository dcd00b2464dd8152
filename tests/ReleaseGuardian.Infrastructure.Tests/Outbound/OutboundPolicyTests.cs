using System.Globalization;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.Tests.Metrics;
using ReleaseGuardian.Infrastructure.Tests.Notifications;
using ReleaseGuardian.Infrastructure.Tests.Rollback;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Outbound;

/// <summary>
/// The outbound policy (issue 12, finding 3) on real loopback servers: with the default settings nothing reaches an
/// internal address, however it is written; credentials in URLs and redirects are never followed.
/// </summary>
public sealed class OutboundPolicyTests
{
    private static readonly Dictionary<string, string?> DefaultPolicy = new() { ["Outbound:AllowPrivateNetworks"] = "false" };

    // Every way of writing the loopback server's address; .NET parses the numeric forms to 127.0.0.1, and the
    // connect check sees the address actually reached either way.
    public static TheoryData<string> LoopbackForms => new()
    {
        "http://127.0.0.1:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f000001:{port}/",
        "http://017700000001:{port}/",
        "http://127.1:{port}/",
        "http://localhost:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
    };

    [Theory]
    [MemberData(nameof(LoopbackForms))]
    public async Task A_notification_to_a_loopback_address_in_any_form_is_refused_by_default(string form)
    {
        await using var server = await LoopbackServer.StartAsync(200, "ok");
        await using var services = NotificationTestSupport.Services(settings: DefaultPolicy);
        var url = form.Replace("{port}", server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) + "hook";

        var outcome = await NotificationTestSupport.Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(NotificationTestSupport.RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, url), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Contains("Outbound:AllowPrivateNetworks", outcome.Error);
        Assert.Empty(server.Requests);
        // A refusal is final: it would be refused again, so it is not retried.
        Assert.Equal(1, outcome.Attempts);
    }

    [Theory]
    [MemberData(nameof(LoopbackForms))]
    public async Task A_Prometheus_query_to_a_loopback_address_in_any_form_is_refused_by_default(string form)
    {
        await using var server = await LoopbackServer.StartAsync(200, """{"status":"success","data":{"resultType":"scalar","result":[1,"0.1"]}}""");
        await using var services = MetricsTestSupport.Services(DefaultPolicy);
        var url = form.Replace("{port}", server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var guardian = MetricsTestSupport.Guardian(new MetricsSourceSpec(MetricsSources.Prometheus, Url: url, TimeoutSeconds: 10), SignalNames.LatencyP95);

        var measured = await MetricsTestSupport.MeasureAsync(services, MetricsTestSupport.Request(guardian));

        Assert.Empty(measured.Values);
        Assert.Contains("Outbound:AllowPrivateNetworks", measured.Failures[SignalNames.LatencyP95]);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_rollback_hook_on_a_loopback_address_is_refused_by_default_and_not_retried()
    {
        await using var server = await LoopbackServer.StartAsync(202, "");
        var url = RollbackTestHost.BaseUrl(server) + "/hook";
        await using var services = RollbackTestHost.Build(new Dictionary<string, string?>
        {
            ["Outbound:AllowPrivateNetworks"] = "false",
            ["Providers:http:Url"] = url,
        });

        var outcome = await RollbackTestHost.Client(services, "http").RollBackAsync(RollbackTestHost.Plan("http", "new-checkout", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("Outbound:AllowPrivateNetworks", failed.Reason);
        Assert.Equal(1, failed.Attempts);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://metadata.azure.com/metadata/instance")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    public async Task A_cloud_metadata_destination_is_refused_even_when_private_networks_are_allowed(string url)
    {
        await using var services = NotificationTestSupport.Services(settings: new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworks"] = "true" });

        var outcome = await NotificationTestSupport.Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(NotificationTestSupport.RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, url), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Contains("cloud-metadata", outcome.Error);
    }

    [Fact]
    public async Task A_url_with_user_and_password_is_refused_before_anything_is_sent()
    {
        await using var server = await LoopbackServer.StartAsync(200, "ok");
        await using var services = NotificationTestSupport.Services();
        var url = $"http://ada:hunter2@127.0.0.1:{server.BaseAddress.Port}/hook";

        var outcome = await NotificationTestSupport.Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(NotificationTestSupport.RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, url), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Contains("user:password@", outcome.Error);
        Assert.DoesNotContain("hunter2", outcome.Error);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    [InlineData(302)]
    public async Task A_redirect_to_another_port_is_never_followed_and_the_body_is_never_re_posted(int status)
    {
        await using var elsewhere = await LoopbackServer.StartAsync(200, "ok");
        await using var server = await LoopbackServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = elsewhere.BaseAddress + "stolen";
            return Task.CompletedTask;
        });
        await using var services = NotificationTestSupport.Services();

        var outcome = await NotificationTestSupport.Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(NotificationTestSupport.RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, server.BaseAddress + "hook"), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Single(server.Requests);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task A_rollback_hook_redirected_elsewhere_does_not_carry_its_token_or_signature_there()
    {
        await using var elsewhere = await LoopbackServer.StartAsync(202, "");
        await using var server = await LoopbackServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere.BaseAddress + "stolen";
            return Task.CompletedTask;
        });
        await using var services = RollbackTestHost.Build(new Dictionary<string, string?>
        {
            ["Providers:http:Url"] = RollbackTestHost.BaseUrl(server) + "/hook",
            ["Providers:http:ApiToken"] = "hook-token",
            ["Providers:http:Secret"] = "hook-secret",
        });

        var outcome = await RollbackTestHost.Client(services, "http").RollBackAsync(RollbackTestHost.Plan("http", "new-checkout", new FlagState(false)), default);

        Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Empty(elsewhere.Requests);
    }
}
