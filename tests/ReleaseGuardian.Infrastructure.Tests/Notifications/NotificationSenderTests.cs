using System.Text.Json;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Notifications.NotificationTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Notifications;

public sealed class NotificationSenderTests
{
    private const string ExpectedHeadline = "No-Go on checkout: error rate 0.12 > failure 0.015; new-checkout rolled back to off";

    private static async Task<(DeliveryOutcome Outcome, RecordedRequest Request, JsonDocument Body)> SendAsync(string type, NotificationMessage message)
    {
        await using var server = await LoopbackServer.StartAsync(200, "ok");
        await using var services = Services();
        var outcome = await Sender(services, type).SendAsync(message, new NotifyTarget(type, server.BaseAddress + "hook"), CancellationToken.None);
        var request = Assert.Single(server.Requests);
        return (outcome, request, JsonDocument.Parse(request.Body));
    }

    [Fact]
    public void The_headline_names_the_decision_the_worst_objective_against_its_threshold_and_the_action()
    {
        Assert.Equal(ExpectedHeadline, RolledBack().Headline);
        Assert.Equal("Inconclusive on checkout: p95 latency: timed out after 2s; notified only", Inconclusive().Headline);
    }

    [Fact]
    public async Task The_webhook_body_is_the_message_in_camelCase_with_the_verdict_vocabulary()
    {
        var (outcome, request, body) = await SendAsync(NotifyTargetTypes.Webhook, RolledBack());
        using var _ = body;
        var root = body.RootElement;

        Assert.True(outcome.Delivered);
        Assert.Equal(200, outcome.StatusCode);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("ntf-0001", request.Header("Idempotency-Key"));

        Assert.Equal("ntf-0001", root.GetProperty("id").GetString());
        Assert.Equal("rolledback", root.GetProperty("kind").GetString());
        Assert.Equal("checkout", root.GetProperty("guardianId").GetString());
        Assert.Equal("Checkout service", root.GetProperty("guardianName").GetString());
        Assert.Equal("run-6", root.GetProperty("runId").GetString());
        Assert.Equal("nogo", root.GetProperty("decision").GetString());
        Assert.Equal("fail", root.GetProperty("status").GetString());
        Assert.Equal(66.7, root.GetProperty("score").GetDouble());
        Assert.Equal(ExpectedHeadline, root.GetProperty("headline").GetString());

        var errorRate = root.GetProperty("objectives")[1];
        Assert.Equal("error rate", errorRate.GetProperty("name").GetString());
        Assert.Equal("errors.rate", errorRate.GetProperty("signal").GetString());
        Assert.Equal("fail", errorRate.GetProperty("status").GetString());
        Assert.Equal(0.12, errorRate.GetProperty("value").GetDouble());
        Assert.Equal(0.0075, errorRate.GetProperty("warning").GetDouble());
        Assert.Equal(0.015, errorRate.GetProperty("failure").GetDouble());
        Assert.True(errorRate.GetProperty("key").GetBoolean());
        Assert.Equal("m=0.002 s=0.005 over runs 1-5", errorRate.GetProperty("explanation").GetString());

        var change = root.GetProperty("change");
        Assert.Equal("launchdarkly", change.GetProperty("provider").GetString());
        Assert.Equal("new-checkout", change.GetProperty("flagKey").GetString());
        Assert.Equal("production", change.GetProperty("environment").GetString());
        Assert.False(change.GetProperty("previous").GetProperty("enabled").GetBoolean());
        Assert.True(change.GetProperty("current").GetProperty("enabled").GetBoolean());
        Assert.Equal("alice@example.org", change.GetProperty("actor").GetString());
        Assert.Equal("2026-11-24T09:58:00+00:00", change.GetProperty("changedAt").GetString());
        Assert.Equal("chg-42", change.GetProperty("changeId").GetString());

        var action = root.GetProperty("action");
        Assert.Equal("new-checkout rolled back to off", action.GetProperty("summary").GetString());
        Assert.False(action.GetProperty("restoredTo").GetProperty("enabled").GetBoolean());
        Assert.Equal(0, action.GetProperty("manualSteps").GetArrayLength());
        Assert.Equal("https://guardian.example.org/api/guardians/checkout/runs/run-6", root.GetProperty("links").GetProperty("runUrl").GetString());
        Assert.Equal("2026-11-24T10:02:00+00:00", root.GetProperty("at").GetString());
    }

    [Fact]
    public async Task A_failed_rollback_carries_its_error_and_manual_steps()
    {
        var message = RolledBack() with
        {
            Kind = NotificationKind.RollbackFailed,
            Action = ActionTaken.RollbackFailed(Change, "LaunchDarkly answered 403", ["Open LaunchDarkly", "Turn new-checkout off in production"]),
        };

        var (_, _, body) = await SendAsync(NotifyTargetTypes.Webhook, message);
        using var _ = body;

        var action = body.RootElement.GetProperty("action");
        Assert.Equal("rollbackfailed", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("LaunchDarkly answered 403", action.GetProperty("error").GetString());
        Assert.Equal("Turn new-checkout off in production", action.GetProperty("manualSteps")[1].GetString());
        Assert.EndsWith("rollback of new-checkout FAILED, manual action needed", body.RootElement.GetProperty("headline").GetString());
    }

    [Fact]
    public async Task The_Slack_body_has_the_headline_as_text_and_header_section_fields_and_context_blocks()
    {
        var (outcome, request, body) = await SendAsync(NotifyTargetTypes.Slack, RolledBack());
        using var _ = body;
        var root = body.RootElement;

        Assert.True(outcome.Delivered);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal(ExpectedHeadline, root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks");
        Assert.Equal(["header", "section", "context"], blocks.EnumerateArray().Select(b => b.GetProperty("type").GetString()));

        var header = blocks[0].GetProperty("text");
        Assert.Equal("plain_text", header.GetProperty("type").GetString());
        Assert.Contains("No-Go: Checkout service", header.GetProperty("text").GetString());

        var section = blocks[1];
        Assert.Equal("mrkdwn", section.GetProperty("text").GetProperty("type").GetString());
        var summary = section.GetProperty("text").GetProperty("text").GetString()!;
        Assert.Contains("*Change:* new-checkout (launchdarkly, production): off → on by alice@example.org", summary);
        Assert.Contains("*Action:* new-checkout rolled back to off", summary);
        var fields = section.GetProperty("fields");
        Assert.Equal(3, fields.GetArrayLength());
        Assert.All(fields.EnumerateArray(), f => Assert.Equal("mrkdwn", f.GetProperty("type").GetString()));
        Assert.Equal(
            "*error rate* (key)\n:x: fail · 0.12 (warning 0.0075, failure 0.015) — m=0.002 s=0.005 over runs 1-5",
            fields[1].GetProperty("text").GetString());

        var context = blocks[2].GetProperty("elements")[0];
        Assert.Equal("mrkdwn", context.GetProperty("type").GetString());
        Assert.Equal(
            "run run-6 · score 66.7 · <https://guardian.example.org/api/guardians/checkout/runs/run-6|view run> · <https://guardian.example.org/api/guardians/checkout/status|guardian status> · 2026-11-24T10:02:00Z",
            context.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(Decision.Go, "✅ Go: Checkout service")]
    [InlineData(Decision.Inconclusive, "⏸️ Inconclusive: Checkout service")]
    [InlineData(Decision.NoGo, "🛑 No-Go: Checkout service")]
    public async Task A_release_stage_in_Slack_leads_with_what_its_verdict_means(Decision decision, string header)
    {
        var stage = RolledBack() with { Kind = NotificationKind.ReleaseStage, Decision = decision };

        var (_, _, body) = await SendAsync(NotifyTargetTypes.Slack, stage);
        using var _ = body;

        Assert.Equal(header, body.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_gets_at_most_ten_fields_per_section_and_escaped_mrkdwn()
    {
        var objectives = Enumerable.Range(1, 12)
            .Select(i => new ObjectiveLine($"kpi <{i}> & co", "orders", ObjectiveStatus.Pass, i, null, null, null))
            .ToList();

        var (_, _, body) = await SendAsync(NotifyTargetTypes.Slack, RolledBack(objectives));
        using var _ = body;

        var sections = body.RootElement.GetProperty("blocks").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "section").ToList();
        Assert.Equal([10, 2], sections.Select(s => s.GetProperty("fields").GetArrayLength()));
        Assert.StartsWith("*kpi &lt;1&gt; &amp; co*", sections[0].GetProperty("fields")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_Teams_body_is_a_message_with_an_Adaptive_Card_1_4_of_text_blocks_and_a_fact_set()
    {
        var (outcome, _, body) = await SendAsync(NotifyTargetTypes.Teams, RolledBack());
        using var _ = body;
        var root = body.RootElement;

        Assert.True(outcome.Delivered);
        Assert.Equal("message", root.GetProperty("type").GetString());
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());

        var items = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal("TextBlock", items[0].GetProperty("type").GetString());
        Assert.Equal(ExpectedHeadline, items[0].GetProperty("text").GetString());
        Assert.Equal("Attention", items[0].GetProperty("color").GetString());
        Assert.Contains(items, i => i.GetProperty("type").GetString() == "TextBlock" && i.GetProperty("text").GetString() == "Action: new-checkout rolled back to off");
        var facts = items.Single(i => i.GetProperty("type").GetString() == "FactSet").GetProperty("facts");
        Assert.Equal(["p95 latency", "error rate (key)", "traffic"], facts.EnumerateArray().Select(f => f.GetProperty("title").GetString()));
        Assert.Equal("fail · 0.12 (warning 0.0075, failure 0.015) — m=0.002 s=0.005 over runs 1-5", facts[1].GetProperty("value").GetString());

        var action = Assert.Single(card.GetProperty("actions").EnumerateArray(), a => a.GetProperty("title").GetString() == "View run");
        Assert.Equal("Action.OpenUrl", action.GetProperty("type").GetString());
        Assert.Equal("https://guardian.example.org/api/guardians/checkout/runs/run-6", action.GetProperty("url").GetString());
    }

    [Fact]
    public async Task A_rollback_is_a_structured_flag_rolledback_CloudEvent_with_the_message_as_data()
    {
        var (outcome, request, body) = await SendAsync(NotifyTargetTypes.CloudEvents, RolledBack());
        using var _ = body;
        var root = body.RootElement;

        Assert.True(outcome.Delivered);
        Assert.StartsWith("application/cloudevents+json", request.Header("Content-Type"));
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal("releaseguardian.flag.rolledback.v1", root.GetProperty("type").GetString());
        Assert.Equal("/releaseguardian/guardians/checkout", root.GetProperty("source").GetString());
        Assert.Equal("ntf-0001", root.GetProperty("id").GetString());
        Assert.Equal("2026-11-24T10:02:00.0000000Z", root.GetProperty("time").GetString());
        Assert.Equal("application/json", root.GetProperty("datacontenttype").GetString());
        var data = root.GetProperty("data");
        Assert.Equal("checkout", data.GetProperty("guardianId").GetString());
        Assert.Equal("nogo", data.GetProperty("decision").GetString());
        Assert.Equal("new-checkout", data.GetProperty("change").GetProperty("flagKey").GetString());
    }

    [Fact]
    public async Task Anything_but_a_rollback_is_a_run_judged_CloudEvent()
    {
        var (_, _, body) = await SendAsync(NotifyTargetTypes.CloudEvents, Inconclusive());
        using var _ = body;

        Assert.Equal("releaseguardian.run.judged.v1", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("inconclusive", body.RootElement.GetProperty("data").GetProperty("decision").GetString());
        Assert.False(body.RootElement.GetProperty("data").TryGetProperty("change", out JsonElement _));
    }
}
