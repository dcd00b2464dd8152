using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// Never roll back twice, never roll back a superseded change, and say what to do by hand when the flag
/// service keeps failing: over real HTTP, with LaunchDarkly stood in for by a loopback server.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RollbackSafetyTests(AzuriteFixture azurite)
{
    private const string BadChange = "65a1f0c2e4b0a1d2c3f4a5c6";
    private const string NewerChange = "65a1f0c2e4b0a1d2c3f4b7d8";

    [Fact]
    public async Task Two_guardians_judging_No_Go_for_the_same_change_roll_it_back_exactly_once()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await TwoGuardiansOnTheBadChangeAsync(scenario);

        var first = await scenario.PostK6AndWaitAsync("checkout-a", "a-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
        var second = await scenario.PostK6AndWaitAsync("checkout-b", "b-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);

        Assert.Equal("nogo", first.GetProperty("output").GetProperty("decision").GetString());
        Assert.Equal("rolled-back", first.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());
        var secondRollback = second.GetProperty("output").GetProperty("rollback");
        Assert.Equal("nogo", second.GetProperty("output").GetProperty("decision").GetString());
        Assert.Equal("already-rolled-back", secondRollback.GetProperty("result").GetString());
        Assert.Contains("lt-a-1", secondRollback.GetProperty("summary").GetString());
        Assert.Equal(0, secondRollback.GetProperty("attempts").GetInt32());

        var patch = Assert.Single(scenario.Rollbacks);
        Assert.Equal("/api/v2/flags/default/new-checkout", patch.Path);

        // The ledger holds one entry for the change, claimed by the first run, with its result.
        var ledger = await LedgerAsync(scenario);
        var entry = Assert.Single(ledger);
        Assert.Contains(BadChange, entry.GetString("ChangeKey"));
        Assert.Equal("checkout-a", entry.GetString("GuardianId"));
        Assert.Equal("lt-a-1", entry.GetString("RunId"));
        Assert.Equal("rolled-back", entry.GetString("Result"));

        // Each run's evidence says what became of the rollback, and which run did it.
        var firstRun = (await scenario.GetJsonAsync("/api/guardians/checkout-a/runs/lt-a-1")).GetProperty("rollback");
        Assert.Equal(("rolled-back", "lt-a-1", true), (firstRun.GetProperty("result").GetString(), firstRun.GetProperty("byRunId").GetString(), firstRun.GetProperty("byThisRun").GetBoolean()));
        Assert.Equal(1, firstRun.GetProperty("attempts").GetInt32());
        var secondRun = (await scenario.GetJsonAsync("/api/guardians/checkout-b/runs/lt-b-1")).GetProperty("rollback");
        Assert.Equal(("rolled-back", "lt-a-1", false), (secondRun.GetProperty("result").GetString(), secondRun.GetProperty("byRunId").GetString(), secondRun.GetProperty("byThisRun").GetBoolean()));

        var firstNotification = Assert.Single(await scenario.NotificationsAsync("checkout-a"));
        Assert.Equal("rollback", firstNotification.GetProperty("kind").GetString());
        var secondNotification = Assert.Single(await scenario.NotificationsAsync("checkout-b"));
        Assert.Equal("nogo", secondNotification.GetProperty("kind").GetString());
        var action = secondNotification.GetProperty("message").GetProperty("action");
        Assert.Contains("already handled by run lt-a-1", action.GetProperty("summary").GetString());
        Assert.Contains("not rolled back twice", action.GetProperty("summary").GetString());
        Assert.Equal(BadChange, secondNotification.GetProperty("message").GetProperty("change").GetProperty("changeId").GetString());
        Assert.Equal(2, scenario.Hook.Requests.Count);

        // Unfiltered, the notifications of both guardians are listed, newest first.
        var all = (await scenario.GetJsonAsync("/api/notifications")).GetProperty("notifications").EnumerateArray().ToList();
        Assert.Equal(["checkout-b", "checkout-a"], all.Select(n => n.GetProperty("guardian").GetString()));
        var badPage = await scenario.Api.GetAsync("/api/notifications?pageSize=0");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badPage.StatusCode);
        Assert.Contains("pageSize", await badPage.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Two_guardians_judging_one_load_test_with_the_same_run_id_roll_the_change_back_exactly_once()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await TwoGuardiansOnTheBadChangeAsync(scenario);

        // One k6 test reported to both guardians: both runs are lt-shared-1, in different guardians.
        var first = await scenario.PostK6AndWaitAsync("checkout-a", "shared-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
        var second = await scenario.PostK6AndWaitAsync("checkout-b", "shared-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);

        Assert.Equal("rolled-back", first.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());
        var secondRollback = second.GetProperty("output").GetProperty("rollback");
        Assert.Equal("already-rolled-back", secondRollback.GetProperty("result").GetString());
        Assert.Contains("lt-shared-1", secondRollback.GetProperty("summary").GetString());
        Assert.Single(scenario.Rollbacks);
        var entry = Assert.Single(await LedgerAsync(scenario));
        Assert.Equal("checkout-a", entry.GetString("GuardianId"));
        Assert.Equal("nogo", Assert.Single(await scenario.NotificationsAsync("checkout-b")).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Two_guardians_judging_the_same_change_at_the_same_time_still_send_one_rollback()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await TwoGuardiansOnTheBadChangeAsync(scenario);

        var a = await scenario.PostK6Async("checkout-a", "shared-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
        var b = await scenario.PostK6Async("checkout-b", "shared-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
        var results = new[] { await scenario.WaitForCompletionAsync(a), await scenario.WaitForCompletionAsync(b) }
            .Select(s => s.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString())
            .Order()
            .ToList();

        Assert.Equal(["already-rolled-back", "rolled-back"], results);
        Assert.Single(scenario.Rollbacks);
        Assert.Single(await LedgerAsync(scenario));
    }

    [Fact]
    public async Task A_change_superseded_before_the_verdict_is_reported_and_not_rolled_back()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(BadChange, Scenario.Base.AddSeconds(30), turnOn: true));
        // Someone else turns the flag off again after the test window, before the result is judged.
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(NewerChange, Scenario.Base.AddMinutes(2).AddSeconds(30), turnOn: false,
            email: "ada@example.org", firstName: "Ada", lastName: "Lovelace"));

        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);

        var output = status.GetProperty("output");
        Assert.Equal("nogo", output.GetProperty("decision").GetString());
        var rollback = output.GetProperty("rollback");
        Assert.Equal("superseded", rollback.GetProperty("result").GetString());
        Assert.Contains(NewerChange, rollback.GetProperty("summary").GetString());
        Assert.Empty(scenario.Rollbacks);
        Assert.Empty(scenario.LaunchDarkly.Requests);

        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        Assert.Equal(BadChange, run.GetProperty("changeUnderTest").GetProperty("changeId").GetString());

        var notification = Assert.Single(await scenario.NotificationsAsync("checkout"));
        Assert.Equal("superseded", notification.GetProperty("kind").GetString());
        var message = notification.GetProperty("message");
        Assert.Equal(BadChange, message.GetProperty("change").GetProperty("changeId").GetString());
        Assert.Contains(NewerChange, message.GetProperty("action").GetRawText());
        Assert.Contains("superseded", message.GetProperty("action").GetProperty("summary").GetString());
        using var sent = JsonDocument.Parse(Assert.Single(scenario.Hook.Requests).BodyText);
        Assert.Equal("superseded", sent.RootElement.GetProperty("kind").GetString());
        Assert.Contains(NewerChange, sent.RootElement.GetRawText());
    }

    [Fact]
    public async Task The_flag_services_echo_of_our_own_rollback_is_never_rolled_back_itself()
    {
        await using var scenario = await Scenario.StartAsync(azurite);
        var first = await JudgeTheBadChangeAsync(scenario);
        Assert.Equal("rolled-back", first.GetProperty("output").GetProperty("rollback").GetProperty("result").GetString());

        // LaunchDarkly reports our semantic patch like any other change: the flag was turned off again.
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(NewerChange, Scenario.Base.AddMinutes(2).AddSeconds(10), turnOn: false,
            email: "release-guardian@example.org", firstName: "Release", lastName: "Guardian"));
        // The service is still unhealthy for another reason; the next run is a No-Go again.
        var second = await scenario.PostK6AndWaitAsync("checkout", "validate-2", "validation", Scenario.Base.AddMinutes(3), 1150, errorRate: 0.12);

        Assert.Equal("nogo", second.GetProperty("output").GetProperty("decision").GetString());
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-2");
        Assert.Equal(NewerChange, run.GetProperty("changeUnderTest").GetProperty("changeId").GetString());
        // Undoing the echo would turn the bad change back on.
        var patch = Assert.Single(scenario.Rollbacks);
        Assert.Contains("turnFlagOff", patch.BodyText);
        var rollback = second.GetProperty("output").GetProperty("rollback");
        Assert.Equal("already-rolled-back", rollback.GetProperty("result").GetString());
        Assert.Contains(BadChange, rollback.GetProperty("summary").GetString());
        Assert.Contains("lt-validate-1", rollback.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task A_flag_service_that_keeps_failing_ends_in_rollback_failed_with_manual_steps_and_the_attempt_count()
    {
        await using var scenario = await Scenario.StartAsync(azurite, launchDarkly: async (_, context) =>
        {
            context.Response.StatusCode = 500;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"code":"internal_server_error","message":"something went wrong"}""");
        }, settings: new Dictionary<string, string?> { ["Rollback:RetryBaseDelayMs"] = "1" });
        var status = await JudgeTheBadChangeAsync(scenario);

        var rollback = status.GetProperty("output").GetProperty("rollback");
        Assert.Equal("rollback-failed", rollback.GetProperty("result").GetString());
        Assert.Equal(4, rollback.GetProperty("attempts").GetInt32());
        Assert.Contains("after 4 attempt", rollback.GetProperty("summary").GetString());
        Assert.Contains("500", rollback.GetProperty("summary").GetString());
        Assert.False(string.IsNullOrWhiteSpace(rollback.GetProperty("manualSteps").GetString()));
        Assert.Equal(4, scenario.Rollbacks.Count);
        Assert.All(scenario.Rollbacks, r => Assert.Equal("/api/v2/flags/default/new-checkout", r.Path));

        var notification = Assert.Single(await scenario.NotificationsAsync("checkout"));
        Assert.Equal("rollback-failed", notification.GetProperty("kind").GetString());
        var action = notification.GetProperty("message").GetProperty("action");
        Assert.Contains("FAILED", action.GetProperty("summary").GetString());
        Assert.Contains("after 4 attempt", action.GetProperty("error").GetString());
        var steps = string.Join("\n", action.GetProperty("manualSteps").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("curl -X PATCH", steps);
        Assert.Contains("turnFlagOff", steps);
        Assert.DoesNotContain(Scenario.LaunchDarklyToken, steps);
        Assert.Equal("rollback-failed", Assert.Single(await LedgerAsync(scenario)).GetString("Result"));

        var runRollback = (await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1")).GetProperty("rollback");
        Assert.Equal(("rollback-failed", 4), (runRollback.GetProperty("result").GetString(), runRollback.GetProperty("attempts").GetInt32()));
        Assert.Contains("curl -X PATCH", runRollback.GetProperty("manualSteps").GetString());
    }

    [Fact]
    public async Task A_flag_service_that_fails_three_times_then_succeeds_is_rolled_back_once_by_the_last_request()
    {
        var answered = 0;
        await using var scenario = await Scenario.StartAsync(azurite, launchDarkly: async (request, context) =>
        {
            var n = request.Method == "PATCH" ? Interlocked.Increment(ref answered) : 0;
            context.Response.StatusCode = n is >= 1 and <= 3 ? 500 : 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(n <= 3 ? """{"message":"try again"}""" : """{"key":"new-checkout"}""");
        }, settings: new Dictionary<string, string?> { ["Rollback:RetryBaseDelayMs"] = "1" });
        var status = await JudgeTheBadChangeAsync(scenario);

        var rollback = status.GetProperty("output").GetProperty("rollback");
        Assert.Equal("rolled-back", rollback.GetProperty("result").GetString());
        Assert.Equal(4, rollback.GetProperty("attempts").GetInt32());
        Assert.Equal(4, scenario.Rollbacks.Count);
        Assert.Equal(4, answered);
        // Every attempt is the same semantic patch; only the last one was answered 200 and took effect.
        Assert.Single(scenario.Rollbacks.Select(r => r.BodyText).Distinct());
        Assert.Equal("rollback", Assert.Single(await scenario.NotificationsAsync("checkout")).GetProperty("kind").GetString());
        Assert.Equal("rolled-back", Assert.Single(await LedgerAsync(scenario)).GetString("Result"));
    }

    [Fact]
    public async Task Running_the_rollback_and_notification_of_a_finished_run_again_repeats_nothing_and_answers_as_the_first_time()
    {
        // What a crash before the engine recorded the results leads to: the activities run again with the same inputs.
        await using var scenario = await Scenario.StartAsync(azurite);
        var status = await JudgeTheBadChangeAsync(scenario);
        var history = await EngineHistory.ActivityResultsAsync(scenario.Server, status.GetProperty("instanceId").GetString()!);
        Assert.Equal([WorkflowNames.QuerySignals, WorkflowNames.JudgeRun, WorkflowNames.RollbackFlag, WorkflowNames.RecordAndSendNotifications], history.Select(h => h.Activity));
        var request = status.GetProperty("input").Deserialize(WorkflowJsonContext.Default.EvaluationRequest)!;
        var judgement = JsonSerializer.Deserialize(history[1].ResultJson, WorkflowJsonContext.Default.JudgeRunResult)!;
        var rolledBack = JsonSerializer.Deserialize(history[2].ResultJson, WorkflowJsonContext.Default.RollbackFlagResult)!;
        var notified = JsonSerializer.Deserialize(history[3].ResultJson, WorkflowJsonContext.Default.NotificationResult)!;
        var hookCalls = scenario.Hook.Requests.Count;

        await using var scope = scenario.Server.Services.CreateAsyncScope();
        var activities = scope.ServiceProvider.GetRequiredService<IReleaseActivities>();
        var rollbackAgain = await activities.RollbackFlagAsync(
            new RollbackFlagInput("checkout", judgement.RunId, judgement.ChangeUnderTestId!, judgement.Headline, judgement.ChangeUnderTest), default);
        var notifyAgain = await activities.RecordAndSendNotificationsAsync(new NotificationInput(request, judgement, rollbackAgain), default);
        // Inputs and checkpoints written before the change and the verdict travelled with them: the run is read instead.
        var older = judgement with { ChangeUnderTest = null, VerdictJson = null, JudgedAt = null };
        var rollbackFromRun = await activities.RollbackFlagAsync(new RollbackFlagInput("checkout", older.RunId, older.ChangeUnderTestId!, older.Headline), default);
        var notifyFromRun = await activities.RecordAndSendNotificationsAsync(new NotificationInput(request, older, rollbackFromRun), default);

        Assert.Equal(RollbackResults.RolledBack, rolledBack.Result);
        Assert.Equal(rolledBack, rollbackAgain); // from the ledger, word for word
        Assert.Equal(rolledBack, rollbackFromRun);
        Assert.Equal(notified.NotificationId, notifyFromRun.NotificationId);
        Assert.Single(scenario.Rollbacks);
        Assert.Equal(notified.NotificationId, notifyAgain.NotificationId);
        Assert.Equal(hookCalls, scenario.Hook.Requests.Count);
        Assert.Single(await scenario.NotificationsAsync("checkout"));
    }

    // Guardians checkout-a and checkout-b on the same flag, and the bad change turning it on.
    private static async Task TwoGuardiansOnTheBadChangeAsync(Scenario scenario)
    {
        await scenario.PutGuardianAsync("checkout-a", Scenario.Guardian("checkout-a", scenario.HookUrl, Scenario.StaticObjectives));
        await scenario.PutGuardianAsync("checkout-b", Scenario.Guardian("checkout-b", scenario.HookUrl, Scenario.StaticObjectives));
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(BadChange, Scenario.Base.AddSeconds(30), turnOn: true));
    }

    // A guardian on the flag, the bad change turning it on, and a failing load test after it: judged No-Go.
    private static async Task<JsonElement> JudgeTheBadChangeAsync(Scenario scenario)
    {
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        await scenario.PostLaunchDarklyAsync(Scenario.LaunchDarklyToggle(BadChange, Scenario.Base.AddSeconds(30), turnOn: true));
        return await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0.12);
    }

    private static async Task<List<TableEntity>> LedgerAsync(Scenario scenario)
    {
        var tables = scenario.Server.Services.GetRequiredService<StorageTables>();
        var table = await tables.GetAsync(TableRollbackLedger.Table, CancellationToken.None);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
