using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.LoadTesting;

/// <summary>
/// The Azure Load Testing launcher against a loopback stand-in of the data plane (<see cref="AzureLoadTestingDataPlane"/>,
/// whose answers follow the recorded and specified samples it cites). Its router sits after the launcher's host check,
/// so the check is the real one; the requests are asserted exactly.
/// </summary>
public sealed class AzureLoadTestingLauncherTests
{
    private const string TestId = "training-20261206T010000-ab12-r1a1";
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_launch_patches_a_test_run_of_the_guardians_test_with_the_managed_identity_token_and_answers_a_poll_handle()
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script("DONE"));
        await using var services = Services(plane, pollSeconds: 7);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();

        var result = await launcher.LaunchAsync(Launch(AzureLoadTestingDataPlane.Endpoint), default);

        Assert.True(result.Launched, result.Detail);
        Assert.Empty(plane.Problems);
        var request = Assert.Single(plane.Server.Requests);
        Assert.Equal("PATCH", request.Method);
        // Test run ids are lower-case letters, digits, '-' and '_': the test id's 'T' is lowered.
        Assert.Equal("/test-runs/training-20261206t010000-ab12-r1a1", request.Path);
        Assert.Equal("?api-version=2022-11-01", request.Query);
        Assert.Equal("Bearer " + AzureLoadTestingDataPlane.Token, request.Header("Authorization"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("checkout-load", body.RootElement.GetProperty("testId").GetString());
        Assert.Contains(TestId, body.RootElement.GetProperty("displayName").GetString(), StringComparison.Ordinal);
        Assert.Equal(("PATCH", new Uri(AzureLoadTestingDataPlane.Endpoint + "/test-runs/training-20261206t010000-ab12-r1a1?api-version=2022-11-01")), Assert.Single(plane.Routed));
        Assert.Equal(["https://cnt-prod.loadtesting.azure.com/.default"], plane.Credential.Scopes);
        Assert.Equal(new LoadTestPollHandle("azureloadtesting", AzureLoadTestingDataPlane.Endpoint + "/", "training-20261206t010000-ab12-r1a1", 7), result.Poll);
    }

    [Fact]
    public async Task Polls_tell_a_run_in_progress_from_a_done_one_and_the_done_runs_metrics_become_the_signals_of_the_webhook()
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script("ACCEPTED", "EXECUTING", "DONE"));
        await using var services = Services(plane);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();
        var handle = (await launcher.LaunchAsync(Launch(AzureLoadTestingDataPlane.Endpoint), default)).Poll!;

        var states = new List<PolledRunState>();
        for (var i = 0; i < 3; i++)
        {
            states.Add(await launcher.PollAsync(handle, default));
        }

        var (result, detail) = await launcher.ReadResultAsync(handle, default);

        Assert.Equal([("running", "ACCEPTED"), ("running", "EXECUTING"), ("done", "DONE")], states.Select(s => (s.State, s.Status)));
        Assert.NotNull(result);
        Assert.Empty(plane.Problems);
        Assert.Equal("azureloadtesting", result.Tool);
        Assert.Equal(Start, result.Start);
        Assert.Equal(Start.AddMinutes(1), result.End);
        Assert.Equal(1170, result.Signals[SignalNames.TrafficRequests]);
        Assert.Equal(6, result.Signals[SignalNames.ErrorsCount]);
        Assert.Equal(6 / 1170.0, result.Signals[SignalNames.ErrorsRate], 9);
        Assert.Equal(1170 / 60.0, result.Signals[SignalNames.TrafficRps], 9);
        // Per-bucket percentiles: the highest bucket is the bound the launcher keeps.
        Assert.Equal(240, result.Signals[SignalNames.LatencyP95], 9);
        Assert.Equal(410, result.Signals[SignalNames.LatencyP99], 9);
        Assert.Contains("1170 requests", detail, StringComparison.Ordinal);
        var metrics = plane.Server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(
            ["TotalRequests/Total", "Errors/Total", "ResponseTime/Percentile95", "ResponseTime/Percentile99"],
            metrics.Select(r => Query(r, "metricname") + "/" + Query(r, "aggregation")));
        Assert.All(metrics, r =>
        {
            Assert.Equal("/test-runs/training-20261206t010000-ab12-r1a1/metrics", r.Path);
            Assert.Equal("LoadTestRunMetrics", Query(r, "metricNamespace"));
            Assert.Equal("2026-12-06T01:00:00Z/2026-12-06T01:01:00Z", Query(r, "timespan"));
            Assert.Equal("Bearer " + AzureLoadTestingDataPlane.Token, r.Header("Authorization"));
        });
    }

    [Theory]
    [InlineData("FAILED")]
    [InlineData("CANCELLED")]
    public async Task A_failed_or_cancelled_run_is_reported_failed_with_its_status(string status)
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script(status));
        await using var services = Services(plane);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();
        var handle = (await launcher.LaunchAsync(Launch(AzureLoadTestingDataPlane.Endpoint), default)).Poll!;

        var state = await launcher.PollAsync(handle, default);

        Assert.Equal(PolledRunStates.Failed, state.State);
        Assert.Equal(status, state.Status);
        Assert.Contains("ended " + status, state.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_done_run_whose_metrics_cannot_be_read_gives_no_result_and_says_why()
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script("DONE"));
        plane.MetricsStatus = 503;
        await using var services = Services(plane);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();
        var handle = (await launcher.LaunchAsync(Launch(AzureLoadTestingDataPlane.Endpoint), default)).Poll!;

        var (result, detail) = await launcher.ReadResultAsync(handle, default);

        Assert.Null(result);
        Assert.Contains("metrics could not be read", detail, StringComparison.Ordinal);
        Assert.Contains("503", detail, StringComparison.Ordinal);
    }

    // The token goes only to Azure Load Testing's own data-plane hosts: anything else is refused before a token is asked for.
    [Theory]
    [InlineData("https://evil.example.org")]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com.attacker.org")]
    [InlineData("https://cnt-prod.loadtesting.azure.com")]
    [InlineData("http://x.eastasia.cnt-prod.loadtesting.azure.com")]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com:8443")]
    [InlineData("https://user:pw@x.eastasia.cnt-prod.loadtesting.azure.com")]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com/other/path")]
    [InlineData("https://127.0.0.1")]
    public async Task An_endpoint_that_is_not_an_Azure_Load_Testing_data_plane_host_gets_no_request_and_no_token(string endpoint)
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script("DONE"));
        await using var services = Services(plane);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();

        var launch = await launcher.LaunchAsync(Launch(endpoint), default);
        // A handle is history: one naming another host (however it got there) is refused at call time too.
        var poll = await launcher.PollAsync(new LoadTestPollHandle("azureloadtesting", endpoint, "run-1", 15), default);
        var (read, _) = await launcher.ReadResultAsync(new LoadTestPollHandle("azureloadtesting", endpoint, "run-1", 15), default);

        Assert.False(launch.Launched);
        Assert.Contains("loadTest.endpoint", launch.Detail, StringComparison.Ordinal);
        Assert.Equal(PolledRunStates.Failed, poll.State);
        Assert.Null(read);
        Assert.Empty(plane.Routed);
        Assert.Empty(plane.Elsewhere);
        Assert.Empty(plane.Credential.Scopes);
    }

    [Fact]
    public async Task A_redirect_from_the_data_plane_is_not_followed_and_the_token_goes_nowhere_else()
    {
        await using var plane = await AzureLoadTestingDataPlane.StartAsync((_, _) => Script("DONE"));
        plane.RedirectEverythingTo = new Uri("https://collector.attacker.example/steal");
        await using var services = Services(plane);
        var launcher = services.GetRequiredService<AzureLoadTestingLauncher>();

        var launch = await launcher.LaunchAsync(Launch(AzureLoadTestingDataPlane.Endpoint), default);
        var poll = await launcher.PollAsync(new LoadTestPollHandle("azureloadtesting", AzureLoadTestingDataPlane.Endpoint, "run-1", 15), default);

        Assert.False(launch.Launched);
        Assert.Contains("redirect", launch.Detail, StringComparison.Ordinal);
        Assert.Equal(PolledRunStates.Failed, poll.State);
        Assert.Contains("redirect", poll.Detail, StringComparison.Ordinal);
        Assert.Equal(2, plane.Server.Requests.Count);
        Assert.Empty(plane.Elsewhere);
    }

    [Theory]
    [InlineData("training-20261206T010000-ab12-r1a1", "training-20261206t010000-ab12-r1a1")]
    [InlineData("release-20261206T010000-ab12-s2v1", "release-20261206t010000-ab12-s2v1")]
    public void A_test_id_becomes_a_valid_test_run_id(string testId, string runId) =>
        Assert.Equal(runId, AzureLoadTestingLauncher.RunIdFor(testId));

    [Fact]
    public void A_test_id_that_cannot_be_a_test_run_id_is_hashed_into_one_stably()
    {
        var long1 = AzureLoadTestingLauncher.RunIdFor(new string('a', 60));
        var odd = AzureLoadTestingLauncher.RunIdFor("nightly run #7");

        Assert.Matches("^[a-z0-9_-]{2,50}$", long1);
        Assert.Matches("^[a-z0-9_-]{2,50}$", odd);
        Assert.Equal(odd, AzureLoadTestingLauncher.RunIdFor("nightly run #7"));
        Assert.NotEqual(odd, long1);
    }

    private static AltRunScript Script(params string[] statuses) => new(statuses, Start, TotalRequests: 1170, Errors: 6, P95: 240, P99: 410);

    private static string Query(RecordedRequest request, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Query)[name].ToString();

    private static LoadTestLaunch Launch(string endpoint) =>
        new("checkout", TestId, "training", new LoadTestSpec(LoadTestLaunchers.AzureLoadTesting, Endpoint: endpoint, TestId: "checkout-load"));

    private static ServiceProvider Services(AzureLoadTestingDataPlane plane, int pollSeconds = 15)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The stand-in data plane is a loopback server behind the router.
            ["Outbound:AllowPrivateNetworks"] = "true",
            ["LoadTest:AzureLoadTesting:PollIntervalSeconds"] = pollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddLoadTestLaunchers(configuration);
        services.AddSingleton(new AzureLoadTestingCredential(plane.Credential));
        services.AddHttpClient<AzureLoadTestingLauncher>().AddHttpMessageHandler(plane.Router);
        return services.BuildServiceProvider();
    }
}
