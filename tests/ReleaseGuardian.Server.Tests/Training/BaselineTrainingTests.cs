using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Training;

/// <summary>
/// The BaselineTraining orchestration on the standalone engine against Azurite, with an http launcher whose "CI
/// system" is a loopback server: it checks the launch's signature, answers 202 and posts a signed k6 summary to the
/// result URL it was handed, as a real runner would.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BaselineTrainingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Training_launches_each_run_evaluates_its_result_once_retries_a_refused_launch_and_outputs_the_learned_thresholds()
    {
        var launches = new ConcurrentQueue<JsonElement>();
        var badSignatures = 0;
        using var results = new HttpClient();
        var posted = new ConcurrentBag<Task>();
        await using var ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            if (request.Headers.GetValueOrDefault("X-Guardian-Signature") != GuardianSignature.Sign(Scenario.K6Secret, request.Body))
            {
                Interlocked.Increment(ref badSignatures);
            }

            var launch = JsonDocument.Parse(request.Body).RootElement.Clone();
            launches.Enqueue(launch);
            // The first launch is refused: it is reported, launched again, and never counts.
            context.Response.StatusCode = launches.Count == 1 ? 503 : 202;
            await context.Response.WriteAsync("");
            if (launches.Count > 1)
            {
                posted.Add(PostK6ResultAsync(results, launch, launches.Count));
            }
        });
        var logs = new CapturedLogs();
        await using var scenario = await Scenario.StartAsync(azurite, logs: logs);
        await scenario.PutGuardianAsync("checkout", TrainedByLauncher(scenario, ci.BaseAddress + "launch"));

        using var start = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json("""{"runs":3,"timeoutMinutes":5}"""));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var payload = await start.Content.ReadFromJsonAsync<JsonElement>();
        var instanceId = payload.GetProperty("id").GetString()!;
        Assert.StartsWith("checkout:training-", instanceId);
        Assert.Equal(payload.GetProperty("statusQueryGetUri").GetString(), start.Headers.Location?.ToString());
        var finished = scenario.WaitForCompletionAsync(instanceId);
        // A result the server refused would leave the training waiting: fail with the reason, not a timeout.
        while (!finished.IsCompleted)
        {
            await Task.WhenAny(finished, Task.Delay(200));
            if (posted.FirstOrDefault(p => p.IsFaulted) is { } refused)
            {
                await refused;
            }
        }

        JsonElement done;
        try
        {
            done = await finished;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(e.Message + "\n" + string.Join("\n", logs.Entries.Where(l => (l.Contains("Event", StringComparison.Ordinal) || l.Contains("loadtests", StringComparison.Ordinal) || l.Contains(" ReleaseGuardian.", StringComparison.Ordinal) || l.StartsWith("Warn", StringComparison.Ordinal) || l.StartsWith("Err", StringComparison.Ordinal)) && !l.Contains("GetStatusAsync", StringComparison.Ordinal)).Select(l => l.Length > 600 ? l[..600] : l).TakeLast(60)), e);
        }
        await Task.WhenAll(posted);

        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        Assert.Equal("BaselineTraining", done.GetProperty("name").GetString());
        Assert.Equal("training 3/3", done.GetProperty("customStatus").GetProperty("detail").GetString());
        var output = done.GetProperty("output");
        Assert.Equal("trained", output.GetProperty("status").GetString());
        Assert.Equal(3, output.GetProperty("runsCounted").GetInt32());
        var runs = output.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["launch-failed", "counted", "counted", "counted"], runs.Select(r => r.GetProperty("result").GetString()));
        Assert.Equal([1, 1, 2, 3], runs.Select(r => r.GetProperty("run").GetInt32()));
        Assert.Equal(0, badSignatures);
        Assert.All(launches, l => Assert.Equal("training", l.GetProperty("purpose").GetString()));
        Assert.Equal(4, launches.Select(l => l.GetProperty("testId").GetString()).Distinct().Count());

        // Every adaptive objective learned from the three counted runs; the static one is not listed.
        var objectives = output.GetProperty("objectives").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal(["error rate", "traffic"], objectives.Keys.Order());
        var traffic = objectives["traffic"];
        Assert.True(traffic.GetProperty("trained").GetBoolean());
        Assert.Equal(3, traffic.GetProperty("runsUsed").GetArrayLength());
        Assert.Equal(1170, traffic.GetProperty("median").GetDouble(), 6); // of 1165, 1170 and 1175 requests
        Assert.True(traffic.GetProperty("failure").GetDouble() < traffic.GetProperty("warning").GetDouble());

        // Each result was evaluated once, as a run of the guardian.
        var saved = await scenario.GetJsonAsync("/api/guardians/checkout/runs");
        Assert.Equal(3, saved.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task A_training_can_be_cancelled_and_a_result_for_a_test_id_nobody_waits_for_is_evaluated_as_today()
    {
        // The runner accepts launches but never posts a result, so the training waits.
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", TrainedByLauncher(scenario, ci.BaseAddress + "launch"));
        using var start = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json("{}"));
        var instanceId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ci.Requests.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the training never launched");
            await Task.Delay(50);
        }

        using var cancel = await scenario.Api.PostAsync($"/api/guardians/checkout/training/{Uri.EscapeDataString(instanceId)}/cancel", null);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var ended = await scenario.WaitForCompletionAsync(instanceId);
        Assert.Equal("Terminated", ended.GetProperty("runtimeStatus").GetString());
        using var again = await scenario.Api.PostAsync($"/api/guardians/checkout/training/{Uri.EscapeDataString(instanceId)}/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        // The Durable terminate API ends a second training the same way, and answers 410 for one that has finished.
        using var second = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json("{}"));
        var secondPayload = await second.Content.ReadFromJsonAsync<JsonElement>();
        var terminateUri = secondPayload.GetProperty("terminatePostUri").GetString()!.Replace("{text}", "enough", StringComparison.Ordinal);
        using var terminated = await scenario.Api.PostAsync(terminateUri, null);
        Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        var secondId = secondPayload.GetProperty("id").GetString()!;
        Assert.Equal("Terminated", (await scenario.WaitForCompletionAsync(secondId)).GetProperty("runtimeStatus").GetString());
        using var finished = await scenario.Api.PostAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}/terminate?reason=again", null);
        Assert.Equal(HttpStatusCode.Gone, finished.StatusCode);

        // The cancelled training's test id: nobody waits for it any more, so the result starts an evaluation of its own.
        var orphan = await scenario.PostK6Async("checkout", instanceId.Split(':')[1] + "-r1a1", "training", Scenario.Base, 1170, 0);
        Assert.Equal($"checkout:lt-{instanceId.Split(':')[1]}-r1a1", orphan);
        Assert.Equal("Completed", (await scenario.WaitForCompletionAsync(orphan)).GetProperty("runtimeStatus").GetString());
    }

    [Fact]
    public async Task The_standalone_host_has_no_builtin_launcher_so_a_training_that_asks_for_it_reports_why_and_fails()
    {
        // Only the demo registers the built-in load generator; a production host refuses every launch through it.
        await using var scenario = await Scenario.StartAsync(azurite);
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl).Replace(
            "\"metrics\":", "\"loadTest\":{\"launcher\":\"builtin\"},\"training\":{\"minRuns\":3},\"metrics\":", StringComparison.Ordinal));

        using var start = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json("{}"));

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var instanceId = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var done = await scenario.WaitForCompletionAsync(instanceId);
        var output = done.GetProperty("output");
        Assert.Equal(("failed", 0), (output.GetProperty("status").GetString(), output.GetProperty("runsCounted").GetInt32()));
        var runs = output.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("launch-failed", r.GetProperty("result").GetString()));
        Assert.All(runs, r => Assert.Equal("launcher 'builtin' is not available in this host", r.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("""{"runs":0}""", "runs")]
    [InlineData("""{"runs":"five"}""", "runs")]
    [InlineData("""{"timeoutMinutes":-1}""", "timeoutMinutes")]
    [InlineData("""[1]""", "$")]
    public async Task A_bad_training_request_is_rejected_with_400_naming_the_field(string body, string field)
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", TrainedByLauncher(scenario, "https://ci.example.org/launch"));

        using var response = await scenario.Api.PostAsync("/api/guardians/checkout/training", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    // The workshop guardian (adaptive error rate and traffic), trained in 3 runs, launched through the http launcher.
    private static string TrainedByLauncher(Scenario scenario, string launchUrl) =>
        Scenario.Guardian("checkout", scenario.HookUrl).Replace(
            "\"metrics\":",
            $$"""
            "loadTest":{"launcher":"http","url":"{{launchUrl}}","tool":"k6"},"training":{"minRuns":3},"metrics":
            """.Trim(),
            StringComparison.Ordinal);

    // What the runner does once the test is over: the k6 summary, signed, to the result URL plus the test's window.
    private static async Task PostK6ResultAsync(HttpClient http, JsonElement launch, int n)
    {
        await Task.Delay(100);
        var start = Scenario.Base.AddMinutes(n);
        var template = Scenario.K6Request("unused", "unused", "unused", start, 1170 + (5 * (n - 3)), errorRate: 0);
        var body = await template.Content!.ReadAsByteArrayAsync();
        var url = launch.GetProperty("resultUrl").GetString() + $"&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Guardian-Signature", GuardianSignature.Sign(Scenario.K6Secret, body));
        using var response = await http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
