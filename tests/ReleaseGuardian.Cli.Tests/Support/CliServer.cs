using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Cli.Tests.Support;

/// <summary>
/// A real standalone server on loopback (over Azurite) with the <c>checkout</c> guardian in place, plus the files
/// the CLI sends. The CLI talks to it over real HTTP through <c>--server</c>.
/// </summary>
public sealed class CliServer : IDisposable
{
    public const string EventsSecret = "events-secret-7f3a1c";
    public const string K6Secret = "k6-secret-91b2e4";
    public const string Guardian = "checkout";
    public static readonly DateTimeOffset Base = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly string _files = Path.Combine(Path.GetTempPath(), "guardian-cli-tests-" + Guid.NewGuid().ToString("N"));

    private CliServer(GuardianServer server)
    {
        Server = server;
        Api = server.Management();
        Url = server.CreateClient().BaseAddress!.ToString();
        Directory.CreateDirectory(_files);
    }

    public GuardianServer Server { get; }

    /// <summary>The server's real loopback address, e.g. http://127.0.0.1:40123/.</summary>
    public string Url { get; }

    /// <summary>A management client for arranging and checking state independently of the CLI.</summary>
    public HttpClient Api { get; }

    public static async Task<CliServer> StartAsync(AzuriteFixture azurite)
    {
        var server = GuardianServer.Start(azurite, new Dictionary<string, string?>
        {
            ["Webhooks:events:Secret"] = EventsSecret,
            ["Webhooks:k6:Secret"] = K6Secret,
        });
        var cli = new CliServer(server);
        using var put = await cli.Api.PutAsync($"/api/guardians/{Guardian}", new StringContent(GuardianJson, Encoding.UTF8, "application/json"));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        return cli;
    }

    /// <summary>Runs a management command (status, runs) against this server with the right key.</summary>
    public CliResult Manage(params string[] args) =>
        GuardianCommandLine.Run([.. args, "--server", Url, "--api-key", GuardianServer.ApiKey]);

    /// <summary>Runs <c>guardian send</c> against this server.</summary>
    public CliResult Send(params string[] args) => GuardianCommandLine.Run(["send", .. args, "--server", Url]);

    /// <summary>The server's own view of an instance, read over HTTP without the CLI (null while unknown).</summary>
    public async Task<JsonElement?> StatusAsync(string instanceId)
    {
        using var response = await Api.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> RunsAsync() => await Api.GetFromJsonAsync<JsonElement>($"/api/guardians/{Guardian}/runs");

    /// <summary>A structured CloudEvent <c>releaseguardian.loadtest.finished.v1</c> for the guardian, as a file.</summary>
    public string LoadTestFinishedEvent(string testId, double? p95, int minutesAfterBase = 0)
    {
        var path = Path.Combine(_files, $"{testId}.json");
        File.WriteAllText(path, LoadTestFinishedJson(testId, p95, minutesAfterBase));
        return path;
    }

    /// <summary>A batch of load-test-finished CloudEvents, as a file.</summary>
    public string LoadTestFinishedBatch(params string[] testIds)
    {
        var path = Path.Combine(_files, $"batch-{string.Join('-', testIds)}.json");
        File.WriteAllText(path, "[" + string.Join(",", testIds.Select((id, i) => LoadTestFinishedJson(id, 500, i))) + "]");
        return path;
    }

    /// <summary>A k6 end-of-test summary, which carries neither the guardian nor the window.</summary>
    public string K6Summary(string name)
    {
        var path = Path.Combine(_files, name);
        File.WriteAllText(path, """
            {"state":{"testRunDurationMs":60000},
             "metrics":{
               "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3} },
               "http_req_failed":{"type":"rate","contains":"default","values":{"rate":0.001,"passes":1,"fails":1170} },
               "http_reqs":{"type":"counter","contains":"default","values":{"count":1171,"rate":19.5} } } }
            """);
        return path;
    }

    public void Dispose()
    {
        Api.Dispose();
        Server.Dispose();
        try
        {
            Directory.Delete(_files, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp file is harmless.
        }
    }

    private static string LoadTestFinishedJson(string testId, double? p95, int minutesAfterBase)
    {
        var start = Base.AddMinutes(minutesAfterBase);
        var signals = p95 is { } value
            ? $$"""{"latency.p95":{{value.ToString(CultureInfo.InvariantCulture)}},"errors.rate":0.001,"traffic.requests":1158}"""
            : """{"errors.rate":0.001,"traffic.requests":1158}""";
        return $$"""
            {"specversion":"1.0","id":"ce-{{testId}}","source":"/ci/pipeline","type":"releaseguardian.loadtest.finished.v1",
             "time":"{{start.AddMinutes(1):yyyy-MM-ddTHH:mm:ssZ}}","datacontenttype":"application/json",
             "data":{"guardian":"{{Guardian}}","testId":"{{testId}}","tool":"k6","purpose":"validation",
                     "start":"{{start:yyyy-MM-ddTHH:mm:ssZ}}","end":"{{start.AddMinutes(1):yyyy-MM-ddTHH:mm:ssZ}}","signals":{{signals}} } }
            """;
    }

    private const string GuardianJson = """
        {"id":"checkout","displayName":"Checkout service","service":"checkout",
         "flag":{"provider":"launchdarkly","key":"new-checkout","project":"default","environment":"production"},
         "metrics":{"source":"loadtest"},
         "objectives":[
           {"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} }],
         "policy":{"rollbackOn":["nogo"]} }
        """;
}
