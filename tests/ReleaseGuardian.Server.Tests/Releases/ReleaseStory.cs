using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Releases;

/// <summary>
/// A release plan's arrangement on the standalone host: a flagd flag file in a temporary <c>FlagFiles:Root</c> (the
/// provider the release writes), a guardian with static objectives bound to it, and an http load-test launcher whose
/// "CI system" is a loopback server that records each launch, with the flag file as it was at that moment; the test
/// posts each result (signed k6 summary) to the launch's result URL, as a runner would.
/// </summary>
public sealed class ReleaseStory : IAsyncDisposable
{
    /// <summary>The flag file before any release: new-checkout off by default; another flag beside it.</summary>
    public const string FlagFileText = """
        {
          "$schema": "https://flagd.dev/schema/v0/flags.json",
          "flags": {
            "new-checkout": {
              "state": "ENABLED",
              "variants": { "on": true, "off": false },
              "defaultVariant": "off"
            },
            "other-flag": {
              "state": "ENABLED",
              "variants": { "on": true, "off": false },
              "defaultVariant": "on"
            }
          }
        }
        """;

    private readonly string _root;
    private readonly ConcurrentQueue<(JsonElement Launch, string FlagFile)> _launches;

    private ReleaseStory(Scenario scenario, LoopbackServer ci, string root, ConcurrentQueue<(JsonElement, string)> launches)
    {
        Scenario = scenario;
        Ci = ci;
        _root = root;
        _launches = launches;
    }

    /// <summary>The server and its helpers.</summary>
    public Scenario Scenario { get; }

    /// <summary>The CI system the launcher calls.</summary>
    public LoopbackServer Ci { get; }

    /// <summary>The flag file.</summary>
    public string FlagFile => Path.Combine(_root, "flags.flagd.json");

    /// <summary>The management client.</summary>
    public HttpClient Api => Scenario.Api;

    /// <summary>Each launch so far with the flag file's text at that moment.</summary>
    public IReadOnlyList<(JsonElement Launch, string FlagFile)> Launches => _launches.ToArray();

    /// <summary>Called with each launch before the CI system answers (e.g. a person editing the flag file meanwhile).</summary>
    public Action<JsonElement>? OnLaunch { get; set; }

    /// <summary>Starts the story's parts and PUTs guardian <c>checkout</c> on the flag file.</summary>
    public static async Task<ReleaseStory> StartAsync(AzuriteFixture azurite, string metrics = """{"source":"loadtest"}""", IDictionary<string, string?>? settings = null)
    {
        var root = Directory.CreateTempSubdirectory("rg-release-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "flags.flagd.json"), FlagFileText);
        var launches = new ConcurrentQueue<(JsonElement, string)>();
        ReleaseStory? story = null;
        var ci = await LoopbackServer.StartAsync(async (request, context) =>
        {
            var launch = JsonDocument.Parse(request.Body).RootElement.Clone();
            story?.OnLaunch?.Invoke(launch);
            launches.Enqueue((launch, await File.ReadAllTextAsync(Path.Combine(root, "flags.flagd.json"))));
            context.Response.StatusCode = 202;
            await context.Response.WriteAsync("");
        });
        var all = new Dictionary<string, string?> { ["FlagFiles:Root"] = root, ["LoadTest:AllowedUrls"] = ci.BaseAddress + "launch" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var scenario = await Scenario.StartAsync(azurite, settings: all);
        story = new ReleaseStory(scenario, ci, root, launches);
        await scenario.PutGuardianAsync("checkout", story.Guardian(metrics));
        return story;
    }

    /// <summary>The guardian: static objectives (a fresh guardian judges at once), the flagd flag, the http launcher.</summary>
    public string Guardian(string metrics)
    {
        var definition = JsonNode.Parse(Scenario.Guardian("checkout", Scenario.HookUrl, Scenario.StaticObjectives, metrics))!.AsObject();
        definition["flag"] = new JsonObject
        {
            ["provider"] = "flagd",
            ["key"] = "new-checkout",
            ["settings"] = new JsonObject { ["source"] = FlagFile },
        };
        definition["loadTest"] = new JsonObject { ["launcher"] = "http", ["url"] = Ci.BaseAddress + "launch", ["tool"] = "k6" };
        return definition.ToJsonString();
    }

    /// <summary>POSTs a plan; answers the response.</summary>
    public Task<HttpResponseMessage> StartReleaseAsync(string plan) =>
        Api.PostAsync("/api/guardians/checkout/releases", new StringContent(plan, Encoding.UTF8, "application/json"));

    /// <summary>POSTs a plan, insists on 202 and answers the release id (the instance id is checkout:{releaseId}).</summary>
    public async Task<string> StartAsync(string plan)
    {
        using var response = await StartReleaseAsync(plan);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start: {(int)response.StatusCode} {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(response.Headers.Location?.ToString(), JsonDocument.Parse(text).RootElement.GetProperty("statusQueryGetUri").GetString());
        return id["checkout:".Length..];
    }

    /// <summary>Sends a control; answers the response.</summary>
    public Task<HttpResponseMessage> ControlAsync(string releaseId, string action, string? body = null) =>
        Api.PostAsync($"/api/guardians/checkout/releases/{releaseId}/{action}",
            body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

    /// <summary>Waits for launch number <paramref name="count"/> (1-based).</summary>
    public async Task<(JsonElement Launch, string FlagFile)> LaunchAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (_launches.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"launch {count} never came (launches: {_launches.Count})");
            await Task.Delay(50);
        }

        return _launches.ElementAt(count - 1);
    }

    /// <summary>Posts a k6 result for <paramref name="launch"/>: healthy (0), failing (&gt; 5% errors), or without its error rate (inconclusive).</summary>
    public async Task PostResultAsync(JsonElement launch, double? errorRate)
    {
        var resultUrl = new Uri(launch.GetProperty("resultUrl").GetString()!);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var body = errorRate is { } rate
            ? WorkshopPayloads.K6Summary(1200, rate)
            // The key objective's signal missing: it cannot be judged, so the verdict is Inconclusive.
            : Encoding.UTF8.GetBytes("""
                {"state":{"testRunDurationMs":60000},"metrics":{
                  "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3}},
                  "http_reqs":{"type":"counter","contains":"default","values":{"count":1200,"rate":20}}}}
                """);
        var url = resultUrl.PathAndQuery + $"&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Guardian-Signature", GuardianSignature.Sign(Scenario.K6Secret, body));
        using var response = await Scenario.Anonymous.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The release as <c>GET /api/guardians/checkout/releases/{releaseId}</c> answers it.</summary>
    public Task<JsonElement> ReleaseAsync(string releaseId) => Scenario.GetJsonAsync($"/api/guardians/checkout/releases/{releaseId}");

    /// <summary>Polls the release until its custom status detail satisfies <paramref name="until"/>; answers the release.</summary>
    public async Task<JsonElement> WaitForDetailAsync(string releaseId, Func<string, bool> until, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var release = await ReleaseAsync(releaseId);
            if (release.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object
                && custom.GetProperty("detail").GetString() is { } detail && until(detail))
            {
                return release;
            }

            Assert.True(DateTime.UtcNow < deadline, $"never {what}: {release}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the release's instance ends; answers its status (with the release as its output).</summary>
    public async Task<JsonElement> WaitForEndAsync(string releaseId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var status = await Api.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString("checkout:" + releaseId)}");
            if (status.StatusCode == HttpStatusCode.OK)
            {
                return await status.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{releaseId} did not end: {await status.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The share flagd serves 'on' in <paramref name="flagFile"/>: 0 when off by default, else the fractional weight.</summary>
    public static int RolloutIn(string flagFile)
    {
        var flag = JsonNode.Parse(flagFile)!["flags"]!["new-checkout"]!.AsObject();
        var targeting = flag["targeting"];
        if (targeting is null)
        {
            return flag["defaultVariant"]!.GetValue<string>() == "on" ? 100 : 0;
        }

        var json = targeting.ToJsonString();
        var fractional = FindFractional(targeting);
        Assert.True(fractional is not null, "no fractional rule in " + json);
        return fractional!.OfType<JsonArray>().Where(pair => pair[0]!.GetValue<string>() == "on").Select(pair => pair[1]!.GetValue<int>()).Sum();
    }

    private static JsonArray? FindFractional(JsonNode? node) => node switch
    {
        JsonObject o when o["fractional"] is JsonArray a => a,
        JsonObject o => o.Select(p => FindFractional(p.Value)).FirstOrDefault(f => f is not null),
        JsonArray a => a.Select(FindFractional).FirstOrDefault(f => f is not null),
        _ => null,
    };

    public async ValueTask DisposeAsync()
    {
        await Scenario.DisposeAsync();
        await Ci.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
