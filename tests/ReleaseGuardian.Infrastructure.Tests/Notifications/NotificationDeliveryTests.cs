using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Notifications.NotificationTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Notifications;

public sealed class NotificationDeliveryTests
{
    private static Func<RecordedRequest, HttpContext, Task> Answers(params int[] statuses)
    {
        var calls = -1;
        return async (_, context) =>
        {
            var index = Math.Min(Interlocked.Increment(ref calls), statuses.Length - 1);
            context.Response.StatusCode = statuses[index];
            await context.Response.WriteAsync(statuses[index] >= 400 ? "no_service" : "ok");
        };
    }

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task A_transient_failure_is_retried_until_it_is_delivered(int transient)
    {
        await using var server = await LoopbackServer.StartAsync(Answers(transient, transient, 200));
        await using var services = Services();

        var outcome = await Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, server.BaseAddress + "hook"), CancellationToken.None);

        Assert.True(outcome.Delivered);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal(server.Requests[0].BodyText, r.BodyText));
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_is_recorded_with_its_status_but_not_its_answer()
    {
        await using var server = await LoopbackServer.StartAsync(Answers(404));
        await using var services = Services();

        var outcome = await Sender(services, NotifyTargetTypes.Slack)
            .SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Slack, server.BaseAddress + "services/T1/B2/secret"), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Equal(404, outcome.StatusCode);
        // The answer's text goes to the log only: what a target answers must not be readable through the API.
        Assert.Equal("HTTP 404", outcome.Error);
        Assert.Equal(1, outcome.Attempts);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_target_that_keeps_failing_is_recorded_while_every_other_target_is_delivered()
    {
        await using var broken = await LoopbackServer.StartAsync(Answers(500));
        await using var healthy = await LoopbackServer.StartAsync(Answers(200));
        await using var services = Services();
        var dispatcher = services.GetRequiredService<NotificationDispatcher>();
        NotifyTarget[] targets =
        [
            new(NotifyTargetTypes.Webhook, broken.BaseAddress + "hook"),
            new(NotifyTargetTypes.Slack, healthy.BaseAddress + "services/T1/B2/secret"),
            new(NotifyTargetTypes.Teams, healthy.BaseAddress + "workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"),
            new(NotifyTargetTypes.CloudEvents, healthy.BaseAddress + "events"),
            new("email", "mailto:ops@example.org"),
        ];

        var outcomes = await dispatcher.DispatchAsync(RolledBack(), targets, CancellationToken.None);

        Assert.Equal(["webhook", "slack", "teams", "cloudevents", "email"], outcomes.Select(o => o.TargetType));
        Assert.False(outcomes[0].Delivered);
        Assert.Equal(500, outcomes[0].StatusCode);
        Assert.Equal(3, outcomes[0].Attempts);
        Assert.Equal(3, broken.Requests.Count);
        Assert.All(outcomes.Skip(1).Take(3), o => Assert.True(o.Delivered));
        Assert.Equal(3, healthy.Requests.Count);
        Assert.False(outcomes[4].Delivered);
        Assert.Equal(0, outcomes[4].Attempts);
        Assert.StartsWith("no sender for target type 'email'", outcomes[4].Error);
    }

    [Fact]
    public async Task The_dispatcher_sends_to_the_guardians_notify_targets()
    {
        await using var server = await LoopbackServer.StartAsync(Answers(200));
        await using var services = Services();
        var guardian = new GuardianDefinition(
            "checkout", "Checkout service", "checkout", null, MetricsSourceSpec.LoadTest, TrainingSettings.Default, [],
            new GuardianPolicy([Decision.NoGo], [new NotifyTarget(NotifyTargetTypes.Webhook, server.BaseAddress + "a"), new NotifyTarget(NotifyTargetTypes.Webhook, server.BaseAddress + "b")]));

        var outcomes = await services.GetRequiredService<NotificationDispatcher>().DispatchAsync(RolledBack(), guardian, CancellationToken.None);

        Assert.All(outcomes, o => Assert.True(o.Delivered));
        Assert.Equal(["/a", "/b"], server.Requests.Select(r => r.Path).Order());
    }

    [Fact]
    public async Task Chat_webhook_secrets_never_reach_the_outcome_or_the_logs()
    {
        await using var server = await LoopbackServer.StartAsync(Answers(500));
        var logs = new RecordingLoggerProvider();
        await using var services = Services(logs);
        var slack = new NotifyTarget(NotifyTargetTypes.Slack, server.BaseAddress + "services/T0001/B0002/SlackSecretToken");
        var teams = new NotifyTarget(NotifyTargetTypes.Teams, server.BaseAddress + "workflows/TeamsWorkflowId/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TeamsSignature");

        var outcomes = await services.GetRequiredService<NotificationDispatcher>().DispatchAsync(RolledBack(), [slack, teams], CancellationToken.None);

        var port = server.BaseAddress.Port;
        Assert.Equal($"http://127.0.0.1:{port}/***", outcomes[0].Url);
        Assert.Equal($"http://127.0.0.1:{port}/***", outcomes[1].Url);
        var everything = string.Join("\n", logs.Lines.Concat(outcomes.Select(o => o.ToString())));
        Assert.Contains($"127.0.0.1:{port}/***", everything);
        foreach (var secret in new[] { "SlackSecretToken", "B0002", "TeamsWorkflowId", "TeamsSignature" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_webhook_keeps_its_path_but_loses_its_query_in_the_outcome()
    {
        await using var server = await LoopbackServer.StartAsync(Answers(200));
        await using var services = Services();
        var url = $"http://127.0.0.1:{server.BaseAddress.Port}/hooks/release?token=t0ken";

        var outcome = await Sender(services, NotifyTargetTypes.Webhook).SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, url), CancellationToken.None);

        Assert.True(outcome.Delivered);
        Assert.Equal($"http://127.0.0.1:{server.BaseAddress.Port}/hooks/release?***", outcome.Url);
        Assert.Equal("?token=t0ken", Assert.Single(server.Requests).Query);
    }

    [Fact]
    public async Task A_webhook_with_credentials_in_its_url_is_refused_and_its_credentials_stay_out_of_the_outcome()
    {
        await using var server = await LoopbackServer.StartAsync(Answers(200));
        await using var services = Services();
        var url = $"http://user:p4ss@127.0.0.1:{server.BaseAddress.Port}/hooks/release?token=t0ken";

        var outcome = await Sender(services, NotifyTargetTypes.Webhook).SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, url), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Equal($"http://***@127.0.0.1:{server.BaseAddress.Port}/hooks/release?***", outcome.Url);
        Assert.DoesNotContain("p4ss", outcome.Error);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_unreachable_target_is_a_recorded_failure_without_the_secret()
    {
        Uri address;
        await using (var server = await LoopbackServer.StartAsync())
        {
            address = server.BaseAddress;
        }

        await using var services = Services();
        var target = new NotifyTarget(NotifyTargetTypes.Slack, address + "services/T1/B2/UnreachableSecret");

        var outcome = await Sender(services, NotifyTargetTypes.Slack).SendAsync(RolledBack(), target, CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Null(outcome.StatusCode);
        Assert.Equal(3, outcome.Attempts);
        Assert.StartsWith("the request failed", outcome.Error);
        Assert.DoesNotContain("UnreachableSecret", outcome.Error, StringComparison.Ordinal);
        // The transport's message names the address and port; an outcome must not help map internal ports.
        Assert.DoesNotContain(address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_target_times_out_per_attempt_and_is_recorded()
    {
        await using var server = await LoopbackServer.StartAsync(async (_, context) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var services = Services(settings: new Dictionary<string, string?>
        {
            ["Notifications:AttemptTimeoutSeconds"] = "0.5",
            ["Notifications:MaxRetries"] = "1",
        });

        var outcome = await Sender(services, NotifyTargetTypes.Teams)
            .SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Teams, server.BaseAddress + "hook"), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Equal("timed out", outcome.Error);
        Assert.Equal(2, outcome.Attempts);
    }

    [Fact]
    public async Task A_target_url_that_is_not_http_is_recorded_without_an_attempt()
    {
        await using var services = Services();

        var outcome = await Sender(services, NotifyTargetTypes.Webhook)
            .SendAsync(RolledBack(), new NotifyTarget(NotifyTargetTypes.Webhook, "ftp://example.org/x"), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Equal(0, outcome.Attempts);
        Assert.Equal("url must be an absolute http or https URL", outcome.Error);
    }
}
