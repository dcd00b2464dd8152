using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Releases;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Releases;

/// <summary>
/// The ReleasePlan orchestrator function on the in-process Durable host (issue 15): started and controlled through the
/// app's HTTP functions, a flagd flag file in a temporary FlagFiles:Root as the provider, each stage validated by a load
/// test launched through the guardian's http launcher (a loopback CI system) whose result comes back through the
/// LoadTestWebhook function. Decisions are read from the flag file, the instance's output and the recorded release.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReleasePlanTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string FlagFileText = """
        {
          "flags": {
            "new-checkout": { "state": "ENABLED", "variants": { "on": true, "off": false }, "defaultVariant": "off" },
            "other-flag": { "state": "ENABLED", "variants": { "on": true, "off": false }, "defaultVariant": "on" }
          }
        }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("rg-freleases-").FullName;
    private readonly ConcurrentQueue<(JsonElement Launch, string FlagFile)> _launches = new();
    private LoopbackServer _ci = null!;
    private LoopbackServer _hook = null!;
    private FunctionsDurableHost _host = null!;
    private FunctionsHttp _http = null!;
    private Action? _onLaunch;

    private string FlagFile => Path.Combine(_root, "flags.flagd.json");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(FlagFile, FlagFileText);
        _ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            _onLaunch?.Invoke();
            _launches.Enqueue((JsonDocument.Parse(request.Body).RootElement.Clone(), await File.ReadAllTextAsync(FlagFile)));
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        _hook = await LoopbackServer.StartAsync(204, "");
        var settings = FunctionsStory.Settings(azurite.ConnectionString, new Uri("http://127.0.0.1:9/"));
        settings["FlagFiles:Root"] = _root;
        settings["LoadTest:AllowedUrls"] = _ci.BaseAddress + "launch";
        settings["Api:PublicBaseUrl"] = "https://guardian.example.org";
        _host = await FunctionsDurableHost.StartAsync(settings);
        _http = new FunctionsHttp(_host);
        var definition = JsonNode.Parse(WorkshopPayloads.Guardian("checkout", _hook.BaseAddress + "hook", WorkshopPayloads.StaticObjectives))!.AsObject();
        definition["flag"] = new JsonObject { ["provider"] = "flagd", ["key"] = "new-checkout", ["settings"] = new JsonObject { ["source"] = FlagFile } };
        definition["loadTest"] = new JsonObject { ["launcher"] = "http", ["url"] = _ci.BaseAddress + "launch", ["tool"] = "k6" };
        var put = await SendAsync(HttpMethod.Put, "/api/guardians/checkout", definition.ToJsonString());
        Assert.True(put.Status == 201, put.Text);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _ci.DisposeAsync();
        await _hook.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Go_at_every_stage_completes_and_a_No_Go_in_the_next_release_restores_the_exact_pre_release_flag_file()
    {
        var before = await File.ReadAllBytesAsync(FlagFile);
        var first = await StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");
        await PostResultAsync((await LaunchAsync(1)).Launch, 0);
        await PostResultAsync((await LaunchAsync(2)).Launch, 0);
        var done = await EndAsync(first);

        Assert.Equal("completed", Output(done).GetProperty("state").GetString());
        Assert.Equal([10, 100], _launches.Select(l => RolloutIn(l.FlagFile)));
        Assert.Equal(100, RolloutIn(await File.ReadAllTextAsync(FlagFile)));

        // The flag now serves everyone; put it back as it was and release again: a No-Go at stage 1 restores it exactly.
        await File.WriteAllBytesAsync(FlagFile, before);
        var second = await StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");
        await PostResultAsync((await LaunchAsync(3)).Launch, 0.2);
        var failed = Output(await EndAsync(second));

        Assert.Equal("rolled-back", failed.GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(FlagFile));
        Assert.Equal(3, _launches.Count);
        // The stage's evaluation, a sub-orchestration, neither rolled back nor notified on its own.
        Assert.DoesNotContain(_host.Calls, c => c.Name == WorkflowNames.RollbackFlag || c.Name == WorkflowNames.RecordAndSendNotifications);
        var listed = await SendAsync(HttpMethod.Get, "/api/guardians/checkout/releases");
        Assert.Equal(2, JsonDocument.Parse(listed.Body).RootElement.GetProperty("releases").GetArrayLength());
    }

    [Fact]
    public async Task Inconclusive_pauses_resume_validates_the_stage_again_and_abort_restores_the_pre_release_state()
    {
        var before = await File.ReadAllBytesAsync(FlagFile);
        var releaseId = await StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");
        await PostResultAsync((await LaunchAsync(1)).Launch, null);
        await WaitForDetailAsync(releaseId, d => d.StartsWith("stage 1/2: 10%, paused: inconclusive (", StringComparison.Ordinal));

        Assert.Equal(202, (await ControlAsync(releaseId, "resume", """{"by":"alice"}""")).Status);
        var (again, file) = await LaunchAsync(2);
        Assert.Equal($"{releaseId}-s1v2", again.GetProperty("testId").GetString());
        Assert.Equal(10, RolloutIn(file));
        await PostResultAsync(again, null);
        await WaitForDetailAsync(releaseId, d => d.StartsWith("stage 1/2: 10%, paused: inconclusive (", StringComparison.Ordinal) && _launches.Count == 2);
        Assert.Equal(202, (await ControlAsync(releaseId, "abort", """{"by":"bob","reason":"no data"}""")).Status);

        var output = Output(await EndAsync(releaseId));
        Assert.Equal("aborted", output.GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(FlagFile));
        Assert.Equal(["resume", "abort"], output.GetProperty("controls").EnumerateArray().Select(c => c.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task Manual_approval_waits_for_approve_and_a_second_release_on_the_flag_gets_409_naming_the_first()
    {
        var releaseId = await StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest","approval":"manual"}""");
        await PostResultAsync((await LaunchAsync(1)).Launch, 0);
        await WaitForDetailAsync(releaseId, d => d.StartsWith("stage 1/2: 10%, waiting for approval until ", StringComparison.Ordinal));

        var second = await SendAsync(HttpMethod.Post, "/api/guardians/checkout/releases", """{"stages":[{"rollout":100}]}""");
        Assert.Equal(409, second.Status);
        Assert.Contains(releaseId, second.Text);
        Assert.Single(_launches);

        Assert.Equal(202, (await ControlAsync(releaseId, "approve")).Status);
        await PostResultAsync((await LaunchAsync(2)).Launch, 0);
        Assert.Equal("completed", Output(await EndAsync(releaseId)).GetProperty("state").GetString());
        var third = await SendAsync(HttpMethod.Post, "/api/guardians/checkout/releases", """{"stages":[{"rollout":100}]}""");
        Assert.Equal(202, third.Status); // the lock was freed when the first one ended
    }

    [Fact]
    public async Task An_approval_timeout_pauses_and_says_so_and_requiredPasses_2_needs_two_Go_runs()
    {
        // The API's shortest approval timeout is PT1M; the orchestration takes seconds when started directly.
        var releaseId = ReleaseNames.NewReleaseId(DateTimeOffset.UtcNow);
        var flag = new FlagBinding("flagd", "new-checkout") { Settings = new Dictionary<string, string> { ["source"] = FlagFile } };
        var plan = new ReleasePlan([new ReleaseStage(10), new ReleaseStage(100)], ReleaseValidations.LoadTest, ReleaseApprovals.Manual, 2, TimeSpan.FromSeconds(2));
        await _host.Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.ReleasePlan, new ReleaseRequest("checkout", releaseId, flag, plan),
            new StartOrchestrationOptions(InstanceId: ReleaseNames.InstanceId("checkout", releaseId)));

        await PostResultAsync((await LaunchAsync(1)).Launch, 0);
        await PostResultAsync((await LaunchAsync(2)).Launch, 0);
        await WaitForDetailAsync(releaseId, d => d == "stage 1/2: 10%, paused: approval timed out after PT2S");
        Assert.Equal(202, (await ControlAsync(releaseId, "approve")).Status);
        await PostResultAsync((await LaunchAsync(3)).Launch, 0);
        await PostResultAsync((await LaunchAsync(4)).Launch, 0);

        Assert.Equal("completed", Output(await EndAsync(releaseId)).GetProperty("state").GetString());
        Assert.Equal(["s1v1", "s1v2", "s2v1", "s2v2"], _launches.Select(l => l.Launch.GetProperty("testId").GetString()![(releaseId.Length + 1)..]));
        Assert.Equal([10, 10, 100, 100], _launches.Select(l => RolloutIn(l.FlagFile)));
    }

    [Fact]
    public async Task An_abort_during_a_hold_wakes_at_once_and_a_person_changing_the_flag_pauses_the_next_release()
    {
        var before = await File.ReadAllBytesAsync(FlagFile);
        var held = await StartAsync("""{"stages":[{"rollout":10,"hold":"PT1H"},{"rollout":100,"hold":"PT1H"}],"validate":"window"}""");
        await WaitForDetailAsync(held, d => d.StartsWith("stage 1/2: 10%, holding until ", StringComparison.Ordinal));
        Assert.Equal(202, (await ControlAsync(held, "abort")).Status);
        Assert.Equal("aborted", Output(await EndAsync(held)).GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(FlagFile));

        // While stage 1's load test runs, a person turns the flag fully on.
        _onLaunch = () => File.WriteAllText(FlagFile, Regex.Replace(File.ReadAllText(FlagFile), "\"defaultVariant\"\\s*:\\s*\"off\"", "\"defaultVariant\": \"on\""));
        var changed = await StartAsync("""{"stages":[{"rollout":10},{"rollout":100}],"validate":"loadtest"}""");
        await PostResultAsync((await LaunchAsync(1)).Launch, 0);
        var detail = await WaitForDetailAsync(changed, d => d.Contains("paused", StringComparison.Ordinal));

        Assert.StartsWith("stage 2/2: 100%, paused: the flag was changed outside the release: the release left it ", detail);
        Assert.Single(_launches);
        Assert.Equal(202, (await ControlAsync(changed, "abort")).Status);
        Assert.Equal("aborted", Output(await EndAsync(changed)).GetProperty("state").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(FlagFile));
    }

    private Task<CapturedResponse> SendAsync(HttpMethod method, string path, string? body = null) =>
        _http.SendAsync(method, path, body is null ? null : Encoding.UTF8.GetBytes(body),
            [new("x-functions-key", FunctionsStory.ApiKey), new("Content-Type", "application/json")]);

    private async Task<string> StartAsync(string plan)
    {
        var started = await SendAsync(HttpMethod.Post, "/api/guardians/checkout/releases", plan);
        Assert.True(started.Status == 202, started.Text);
        return JsonDocument.Parse(started.Body).RootElement.GetProperty("id").GetString()!["checkout:".Length..];
    }

    private Task<CapturedResponse> ControlAsync(string releaseId, string action, string? body = null) =>
        SendAsync(HttpMethod.Post, $"/api/guardians/checkout/releases/{releaseId}/{action}", body);

    private async Task<(JsonElement Launch, string FlagFile)> LaunchAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (_launches.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"launch {count} never came; activities: {string.Join(", ", _host.Calls.Select(c => c.Name + " " + c.CustomStatus))}");
            await Task.Delay(50);
        }

        return _launches.ElementAt(count - 1);
    }

    private async Task PostResultAsync(JsonElement launch, double? errorRate)
    {
        var resultUrl = new Uri(launch.GetProperty("resultUrl").GetString()!);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = errorRate is { } rate
            ? WorkshopPayloads.K6Summary(1200, rate)
            // Without the key objective's signal the verdict is Inconclusive.
            : Encoding.UTF8.GetBytes("""
                {"state":{"testRunDurationMs":60000},"metrics":{
                  "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3}},
                  "http_reqs":{"type":"counter","contains":"default","values":{"count":1200,"rate":20}}}}
                """);
        var url = resultUrl.PathAndQuery + $"&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        var posted = await _http.SendAsync(HttpMethod.Post, url, body,
            [new("X-Guardian-Signature", GuardianSignature.Sign(FunctionsStory.K6Secret, body)), new("Content-Type", "application/json")]);
        Assert.True(posted.Status == 202, posted.Text);
    }

    private async Task<string> WaitForDetailAsync(string releaseId, Func<string, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var release = await SendAsync(HttpMethod.Get, $"/api/guardians/checkout/releases/{releaseId}");
            if (release.Status == 200 && JsonDocument.Parse(release.Body).RootElement.TryGetProperty("customStatus", out var custom)
                && custom.ValueKind == JsonValueKind.Object && custom.GetProperty("detail").GetString() is { } detail && until(detail))
            {
                return detail;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{releaseId} never reached the expected status: {release.Text}");
            await Task.Delay(100);
        }
    }

    private Task<OrchestrationMetadata> EndAsync(string releaseId) =>
        _host.WaitForEndAsync(ReleaseNames.InstanceId("checkout", releaseId), TimeSpan.FromSeconds(120));

    private static JsonElement Output(OrchestrationMetadata state)
    {
        Assert.True(state.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{state.RuntimeStatus}: {state.FailureDetails?.ErrorMessage}");
        return JsonDocument.Parse(state.SerializedOutput!).RootElement.Clone();
    }

    private static int RolloutIn(string flagFile)
    {
        var flag = JsonNode.Parse(flagFile)!["flags"]!["new-checkout"]!;
        return flag["targeting"] is null
            ? flag["defaultVariant"]!.GetValue<string>() == "on" ? 100 : 0
            : Regex.Match(flag["targeting"]!.ToJsonString(), "\\[\"on\",(\\d+)\\]") is { Success: true } m ? int.Parse(m.Groups[1].Value) : -1;
    }
}
