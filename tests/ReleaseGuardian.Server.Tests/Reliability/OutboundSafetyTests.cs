using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// Issue 12 through the standalone server (the Functions app composes the same AddReleaseGuardian): what a
/// definition or an event names may not reach an internal address, another API path, or the server's memory.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OutboundSafetyTests(AzuriteFixture azurite, SharedServers servers) : IClassFixture<SharedServers>
{
    private const string StaticObjectives = Scenario.StaticObjectives;

    private static async Task<(HttpStatusCode Status, JsonElement Problem)> PutAsync(Scenario scenario, string id, string json)
    {
        using var response = await scenario.Api.PutAsync($"/api/guardians/{id}", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    private static List<string?> Paths(JsonElement problem) =>
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();

    private static string Flag(string provider, string setting, string value) =>
        new System.Text.Json.Nodes.JsonObject
        {
            ["provider"] = provider,
            ["key"] = "new-checkout",
            ["settings"] = new System.Text.Json.Nodes.JsonObject { [setting] = value },
        }.ToJsonString();

    private static readonly Dictionary<string, string?> PrivateNetworksRefused = new() { ["Outbound:AllowPrivateNetworks"] = "false" };

    private static string WithFlag(string hookUrl, string flag, string id = "checkout") =>
        Scenario.Guardian(id, hookUrl, StaticObjectives).Replace(
            """{"provider":"launchdarkly","key":"new-checkout","project":"default","environment":"production"}""", flag, StringComparison.Ordinal);

    // Finding 7.
    [Theory]
    [InlineData("""{"provider":"launchdarkly","key":"..","project":"default"}""", "flag.key")]
    [InlineData("""{"provider":"launchdarkly","key":"new-checkout","project":".."}""", "flag.project")]
    [InlineData("""{"provider":"unleash","key":"a/../../admin"}""", "flag.key")]
    public async Task A_flag_name_that_is_a_dot_segment_or_carries_a_slash_is_refused_at_PUT_naming_the_field(string flag, string field)
    {
        var scenario = await servers.ScenarioAsync(azurite);
        var id = SharedServers.GuardianId();

        var (status, problem) = await PutAsync(scenario, id, WithFlag(scenario.HookUrl, flag, id));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, Paths(problem));
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Api.GetAsync($"/api/guardians/{id}")).StatusCode);
    }

    // Finding 7: a signed delivery naming flag ".." is refused before anything is stored, so it can never be rolled back.
    [Fact]
    public async Task A_flag_webhook_naming_a_dot_segment_flag_is_refused_with_400_naming_flagKey()
    {
        var scenario = await servers.ScenarioAsync(azurite);
        var body = Encoding.UTF8.GetString(Scenario.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5d7", Scenario.Base, turnOn: true))
            .Replace("flag/new-checkout", "flag/..", StringComparison.Ordinal)
            .Replace("\"key\":\"new-checkout\"", "\"key\":\"..\"", StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(body);

        using var response = await scenario.Anonymous.SendAsync(Scenario.Signed("/api/webhooks/flags/launchdarkly", bytes, "X-LD-Signature",
            HmacSignature.ComputeHex(Scenario.LaunchDarklySecret, bytes)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("flagKey", problem.GetProperty("field").GetString());
    }

    // Finding 3: with the default policy a Prometheus on loopback is never asked, and the verdict is not Go.
    [Fact]
    public async Task A_Prometheus_on_loopback_is_not_queried_by_default_and_the_verdict_is_inconclusive()
    {
        await using var prometheus = await LoopbackServer.StartAsync(200, """{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}""");
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworks"] = "false" });
        // A name, not a literal address, so the PUT cannot see it is internal: the connect-time check refuses it.
        var url = $"http://localhost:{prometheus.BaseAddress.Port}/";
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", $"http://localhost:{scenario.Hook.BaseAddress.Port}/hook", StaticObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{url}}","timeoutSeconds":5}"""));

        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0);

        Assert.Equal("inconclusive", status.GetProperty("output").GetProperty("decision").GetString());
        Assert.Empty(prometheus.Requests);
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        var explanations = run.GetProperty("verdict").GetProperty("objectives").EnumerateArray().Select(o => o.GetProperty("explanation").GetString()!).ToList();
        Assert.All(explanations, e => Assert.Contains("Outbound:AllowPrivateNetworks", e));
        // Nothing in the verdict helps map the port that was tried.
        Assert.All(explanations, e => Assert.DoesNotContain(prometheus.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e));
    }

    // Finding 5: a Prometheus answer far over the cap is abandoned; the signal is unmeasured and the verdict is not Go.
    [Fact]
    public async Task A_Prometheus_answer_over_the_cap_makes_the_verdict_inconclusive()
    {
        var opening = Encoding.UTF8.GetBytes("""{"status":"success","data":{"resultType":"vector","result":[""");
        var series = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("""{"metric":{},"value":[1795514460,"0.1"]},""", 1000)));
        await using var prometheus = await LoopbackServer.StartAsync(async (_, context) =>
        {
            context.Response.ContentType = "application/json";
            try
            {
                await context.Response.Body.WriteAsync(opening, context.RequestAborted);
                for (var sent = 0L; sent < 200L * 1024 * 1024 && !context.RequestAborted.IsCancellationRequested; sent += series.Length)
                {
                    await context.Response.Body.WriteAsync(series, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        });
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Outbound:MaxResponseBytes"] = "1048576" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, StaticObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{prometheus.BaseAddress}}","timeoutSeconds":60}"""));

        var status = await scenario.PostK6AndWaitAsync("checkout", "validate-1", "validation", Scenario.Base.AddMinutes(1), 1150, errorRate: 0);

        Assert.Equal("inconclusive", status.GetProperty("output").GetProperty("decision").GetString());
        var run = await scenario.GetJsonAsync("/api/guardians/checkout/runs/lt-validate-1");
        Assert.All(run.GetProperty("verdict").GetProperty("objectives").EnumerateArray(),
            o => Assert.Contains("Outbound:MaxResponseBytes", o.GetProperty("explanation").GetString()));
    }

    // Finding 3: a notification URL carrying credentials is refused at PUT.
    [Fact]
    public async Task A_notification_url_with_credentials_is_refused_at_PUT_naming_the_field()
    {
        var scenario = await servers.ScenarioAsync(azurite);

        var (status, problem) = await PutAsync(scenario, "checkout", Scenario.Guardian("checkout", "http://ops:pw@hooks.example.org/notify", StaticObjectives));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("policy.notify[0].url", Paths(problem));
    }

    // Finding 3: a literal internal address, in any numeric form, is refused at PUT when private networks are not allowed.
    [Theory]
    [InlineData("http://2130706433:9090/")]
    [InlineData("http://0x7f000001:9090/")]
    [InlineData("http://10.0.0.7:9090/")]
    [InlineData("http://[fd00::7]:9090/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://metadata.google.internal/")]
    public async Task A_literal_internal_or_metadata_address_is_refused_at_PUT_naming_metrics_url(string url)
    {
        var scenario = await servers.ScenarioAsync(azurite, PrivateNetworksRefused);

        var (status, problem) = await PutAsync(scenario, "checkout", Scenario.Guardian("checkout", "https://hooks.example.org/notify", StaticObjectives,
            metrics: $$"""{"source":"prometheus","url":"{{url}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["metrics.url"], Paths(problem));
    }

    // The training launcher is an outbound call a definition names too: its URL gets the same check at PUT.
    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://0x7f000001:8080/hooks/k6")]
    public async Task A_load_test_launcher_on_a_literal_internal_address_is_refused_at_PUT_naming_loadTest_url(string url)
    {
        var scenario = await servers.ScenarioAsync(azurite, PrivateNetworksRefused);
        var definition = System.Text.Json.Nodes.JsonNode.Parse(Scenario.Guardian("checkout", "https://hooks.example.org/notify", StaticObjectives))!.AsObject();
        definition["loadTest"] = new System.Text.Json.Nodes.JsonObject { ["launcher"] = "http", ["url"] = url, ["tool"] = "k6" };

        var (status, problem) = await PutAsync(scenario, "checkout", definition.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["loadTest.url"], Paths(problem));
    }

    // Finding 1: the hook's credentials go only to URLs the operator configured; a definition naming another is refused.
    [Fact]
    public async Task A_hook_url_the_operator_did_not_configure_is_refused_at_PUT_naming_flag_settings_url()
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Providers:http:Url"] = "https://rollback.example.org/hooks/guardian",
            ["Providers:http:ApiToken"] = "hook-token",
        });

        var (status, problem) = await PutAsync(scenario, "checkout", WithFlag(scenario.HookUrl,
            """{"provider":"http","key":"new-checkout","settings":{"url":"https://attacker.example.net/collect"}}"""));
        var (allowed, _) = await PutAsync(scenario, "checkout", WithFlag(scenario.HookUrl,
            """{"provider":"http","key":"new-checkout","settings":{"url":"https://rollback.example.org/hooks/guardian"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["flag.settings.url"], Paths(problem));
        Assert.Equal(HttpStatusCode.Created, allowed);
    }

    // Finding 2: flag files only under FlagFiles:Root; blob sources only on the configured storage.
    [Theory]
    [InlineData("flagd", "source", "/etc/passwd")]
    [InlineData("flagd", "source", "../outside.json")]
    [InlineData("flagd", "source", "https://attacker.blob.core.windows.net/c/flags.json")]
    [InlineData("gofeatureflag", "flagFile", "/root/.ssh/config.yaml")]
    [InlineData("gofeatureflag", "flagFile", "flags/../../outside.yaml")]
    public async Task A_flag_file_outside_the_root_is_refused_at_PUT_naming_the_field(string provider, string setting, string value)
    {
        var root = servers.Folder;
        var scenario = await servers.ScenarioAsync(azurite, new Dictionary<string, string?> { ["FlagFiles:Root"] = root });
        var id = SharedServers.GuardianId();
        var flag = Flag(provider, setting, value);

        var (status, problem) = await PutAsync(scenario, id, WithFlag(scenario.HookUrl, flag, id));
        var (inside, _) = await PutAsync(scenario, id, WithFlag(scenario.HookUrl,
            Flag(provider, setting, Path.Combine(root, "flags.json")), id));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([$"flag.settings.{setting}"], Paths(problem));
        Assert.Equal(HttpStatusCode.Created, inside);
    }
}
