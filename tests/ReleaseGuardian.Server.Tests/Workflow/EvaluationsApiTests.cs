using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Workflow;

/// <summary>
/// Manual evaluations (<c>POST /api/guardians/{id}/evaluations</c>) and the Durable-compatible status route:
/// the check-status payload, 202 with Location while the instance is pending or running, 200 with the output
/// when done, and the status JSON shape a Durable Functions client expects.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvaluationsApiTests(AzuriteFixture azurite)
{
    private const string Window = """ "start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z" """;

    [Fact]
    public async Task A_manual_evaluation_answers_202_with_the_check_status_payload_and_its_status_turns_200_with_the_output_when_done()
    {
        // This server runs no engine worker, so the instance stays Pending until a second server on the same hub runs it.
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations",
            Json($$"""{ {{Window}}, "signals":{"latency.p95":312.5,"errors.rate":0.004,"traffic.requests":1180} }"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var payload = await response.Content.ReadFromJsonAsync<JsonElement>();
        const string instanceId = "checkout:manual-20261124T100000-20261124T100500";
        Assert.Equal(instanceId, payload.GetProperty("id").GetString());
        var statusUri = payload.GetProperty("statusQueryGetUri").GetString()!;
        Assert.StartsWith($"{scenario.Api.BaseAddress}runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}", statusUri);
        Assert.Equal(statusUri, response.Headers.Location?.ToString());
        foreach (var uri in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
        {
            Assert.StartsWith("http", payload.GetProperty(uri).GetString());
        }

        // The status URI never carries the management key (issue 12, finding 6): it is followed with the key in the header.
        Assert.DoesNotContain("code=", statusUri, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await scenario.Anonymous.GetAsync(statusUri)).StatusCode);
        var pending = await scenario.Api.GetAsync(statusUri);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        Assert.Equal(statusUri, pending.Headers.Location?.ToString());
        var pendingBody = await pending.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Pending", pendingBody.GetProperty("runtimeStatus").GetString());
        AssertDurableShape(pendingBody, instanceId);
        Assert.Equal(JsonValueKind.Null, pendingBody.GetProperty("output").ValueKind);
        var input = pendingBody.GetProperty("input");
        Assert.Equal("checkout", input.GetProperty("guardianId").GetString());
        Assert.Equal("manual", input.GetProperty("trigger").GetString());
        Assert.Equal("validation", input.GetProperty("purpose").GetString(), ignoreCase: true);

        await using (var worker = GuardianServer.Start(azurite.ConnectionString, WorkerOnTheSameHub(), prefix: scenario.Server.Prefix))
        {
            await scenario.WaitForCompletionAsync(instanceId);
        }

        var done = await scenario.Api.GetAsync(statusUri);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var doneBody = await done.Content.ReadFromJsonAsync<JsonElement>();
        AssertDurableShape(doneBody, instanceId);
        Assert.Equal("Completed", doneBody.GetProperty("runtimeStatus").GetString());
        Assert.Equal(JsonValueKind.Object, doneBody.GetProperty("customStatus").ValueKind);
        Assert.Equal("done", doneBody.GetProperty("customStatus").GetProperty("step").GetString());
        var output = doneBody.GetProperty("output");
        Assert.Equal("go", output.GetProperty("decision").GetString());
        Assert.Equal("manual-20261124T100000-20261124T100500", output.GetProperty("runId").GetString());
        Assert.True(doneBody.GetProperty("lastUpdatedTime").GetDateTimeOffset() >= doneBody.GetProperty("createdTime").GetDateTimeOffset());

        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/manual-20261124T100000-20261124T100500");
        Assert.Equal(312.5, run.GetProperty("signals").GetProperty("latency.p95").GetDouble(), 6);
        Assert.Equal("pass", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_running_instance_answers_202_with_its_current_step_as_custom_status()
    {
        // Prometheus that never answers in time keeps QuerySignals busy, so the instance is observably Running.
        var release = new TaskCompletionSource();
        await using var prometheus = await LoopbackServer.StartAsync(async (_, context) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            context.Response.ContentType = "application/json";
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response,
                """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514700,"0.001"]}]}}""");
        });
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, """
            [{"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","failure":0.05}}]
            """, metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}","timeoutSeconds":30}"""));

        var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json($$"""{ {{Window}}, "runId":"slow-1" }"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUri = response.Headers.Location!.ToString();

        JsonElement running = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (prometheus.Requests.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the workflow never queried Prometheus");
            await Task.Delay(50);
        }

        // The engine records the custom status with each step: Pending until the orchestration's first step is stored.
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "the instance never showed its progress");
            var answer = await scenario.Api.GetAsync(statusUri);
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            Assert.Equal(statusUri, answer.Headers.Location?.ToString());
            running = await answer.Content.ReadFromJsonAsync<JsonElement>();
            AssertDurableShape(running, "checkout:slow-1");
            Assert.Contains(running.GetProperty("runtimeStatus").GetString(), new[] { "Pending", "Running" });
        }
        while (running.GetProperty("runtimeStatus").GetString() != "Running");

        Assert.Equal("querying-signals", running.GetProperty("customStatus").GetProperty("step").GetString());

        release.SetResult();
        var done = await scenario.WaitForCompletionAsync("checkout:slow-1");
        Assert.Equal("go", done.GetProperty("output").GetProperty("decision").GetString());
    }

    [Theory]
    [InlineData("""{"end":"2026-11-24T10:05:00Z"}""", "start")]
    [InlineData("""{"start":"yesterday","end":"2026-11-24T10:05:00Z"}""", "start")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z"}""", "end")]
    [InlineData("""{"start":"2026-11-24T10:05:00Z","end":"2026-11-24T10:00:00Z"}""", "end")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","purpose":"production"}""", "purpose")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","signals":{"x":"fast"}}""", "signals[\"x\"]")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","signals":[1]}""", "signals")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","signals":{"latency.p95":1e400}}""", "signals[\"latency.p95\"]")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"a/b"}""", "runId")]
    // Issue 12, finding 8: a run called "." or ".." could never be read back (the URL normalises it away).
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"."}""", "runId")]
    [InlineData("""{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":".."}""", "runId")]
    [InlineData("""[1,2]""", "$")]
    [InlineData("""{"start":""", "$")]
    public async Task A_bad_evaluation_request_is_rejected_with_400_naming_the_field_and_starts_nothing(string body, string field)
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith(field + ":", problem.GetProperty("detail").GetString());
        Assert.Null(response.Headers.Location);
        Assert.Empty((await scenario.GetJsonAsync("/api/guardians/checkout/runs")).GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task An_evaluation_of_an_unknown_guardian_is_404_and_needs_the_management_key()
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });

        var unknown = await scenario.Api.PostAsync("/api/guardians/nobody/evaluations", Json($$"""{ {{Window}} }"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("id", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Api.GetAsync("/runtime/webhooks/durabletask/instances/nobody%3Amanual-1")).StatusCode);

        var anonymous = await scenario.Anonymous.PostAsync("/api/guardians/nobody/evaluations", Json($$"""{ {{Window}} }"""));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_same_evaluation_posted_twice_is_202_both_times_and_a_different_window_or_signals_under_that_runId_is_409_naming_what_differs()
    {
        // Issue 12, finding 11: the second input used to be dropped silently with a 202.
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        const string Original = """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"same-1","signals":{"latency.p95":312.5,"errors.rate":0.004}}""";

        var first = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(Original));
        // The same input again, its signals in another order: still the same evaluation.
        var again = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(
            """{"runId":"same-1","signals":{"errors.rate":0.004,"latency.p95":312.5},"end":"2026-11-24T10:05:00Z","start":"2026-11-24T10:00:00Z"}"""));
        var otherEnd = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(Original.Replace("10:05:00Z", "10:06:00Z", StringComparison.Ordinal)));
        var otherSignals = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(Original.Replace("312.5", "900", StringComparison.Ordinal)));
        var otherPurpose = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations", Json(Original.Replace("\"runId\"", "\"purpose\":\"training\",\"runId\"", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        foreach (var (answer, field) in new[] { (otherEnd, "end"), (otherSignals, "signals"), (otherPurpose, "purpose") })
        {
            var text = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.Conflict, $"{field}: {(int)answer.StatusCode} {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal(field, problem.GetProperty("field").GetString());
            Assert.Contains("same-1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // The instance keeps the first input.
        var status = await (await scenario.Api.GetAsync("/runtime/webhooks/durabletask/instances/checkout%3Asame-1")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(312.5, status.GetProperty("input").GetProperty("loadTestSignals").GetProperty("latency.p95").GetDouble());
    }

    [Fact]
    public async Task A_guardian_deleted_while_its_evaluation_waits_ends_the_instance_at_once_with_a_clear_status_not_retries()
    {
        // Issue 12, finding 10: a missing guardian used to throw inside every activity, so the instance was retried
        // for about ten minutes before it failed.
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));
        var response = await scenario.Api.PostAsync("/api/guardians/checkout/evaluations",
            Json($$"""{ {{Window}}, "runId":"orphan-1", "signals":{"latency.p95":312.5,"errors.rate":0.004} }"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await scenario.Api.DeleteAsync("/api/guardians/checkout")).StatusCode);

        // A worker on the same hub picks the instance up after the guardian is gone.
        await using (var worker = GuardianServer.Start(azurite.ConnectionString, WorkerOnTheSameHub(), prefix: scenario.Server.Prefix))
        {
            await scenario.WaitForCompletionAsync("checkout:orphan-1");
        }

        var done = await scenario.GetJsonAsync("/runtime/webhooks/durabletask/instances/checkout%3Aorphan-1");
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var output = done.GetProperty("output");
        Assert.Equal("guardian-deleted", output.GetProperty("status").GetString());
        Assert.Equal("inconclusive", output.GetProperty("decision").GetString());
        Assert.Contains("deleted", output.GetProperty("headline").GetString(), StringComparison.Ordinal);
    }

    private static void AssertDurableShape(JsonElement status, string instanceId)
    {
        Assert.Equal("ReleaseWorkflow", status.GetProperty("name").GetString());
        Assert.Equal(instanceId, status.GetProperty("instanceId").GetString());
        Assert.Contains(status.GetProperty("runtimeStatus").GetString(), new[] { "Pending", "Running", "Completed", "Failed" });
        Assert.Equal(JsonValueKind.Object, status.GetProperty("input").ValueKind);
        Assert.True(status.GetProperty("customStatus").ValueKind is JsonValueKind.Object or JsonValueKind.Null);
        Assert.True(status.GetProperty("output").ValueKind is JsonValueKind.Object or JsonValueKind.String or JsonValueKind.Null);
        foreach (var time in new[] { "createdTime", "lastUpdatedTime" })
        {
            Assert.Equal(JsonValueKind.String, status.GetProperty(time).ValueKind);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", status.GetProperty(time).GetString());
        }
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    // The settings Scenario gives its server, for a second server that shares its storage prefix and so its task hub.
    private static Dictionary<string, string?> WorkerOnTheSameHub() => new()
    {
        ["Webhooks:launchdarkly:Secret"] = Scenario.LaunchDarklySecret,
        ["Webhooks:k6:Secret"] = Scenario.K6Secret,
        ["Rollback:RetryBaseDelayMs"] = "10",
        ["Notifications:RetryBaseDelayMs"] = "10",
    };
}
