using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Demo.LoadGeneration;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.LoadGeneration;

/// <summary>
/// The <c>builtin</c> launcher against a real loopback server that stands in for both the checkout service (<c>/checkout</c>)
/// and the Release Guardian host's k6 webhook (the result URL).
/// </summary>
public sealed class BuiltInLoadTestLauncherTests
{
    private const string Secret = "k6-secret-5d1e";
    private const string TestId = "training-20261206T020000-ab12-r1a1";
    private static readonly LoadProfile Profile = new(20, TimeSpan.FromMilliseconds(500));

    [Fact]
    public async Task A_repeated_launch_of_a_test_id_starts_no_second_load_test_and_the_one_result_is_signed_like_a_k6_result()
    {
        await using var sink = await LoopbackServer.StartAsync(202, "{}");
        using var loadHttp = new HttpClient();
        using var resultHttp = new HttpClient();
        await using var tests = new BuiltInLoadTests(loadHttp, new Uri(sink.BaseAddress, "checkout"), Profile, TimeSpan.Zero);
        var launcher = Launcher(tests, resultHttp, sink.BaseAddress, Secret);
        var launch = new LoadTestLaunch("checkout", TestId, "training", new LoadTestSpec(LoadTestLaunchers.BuiltIn, Tool: "k6"));

        var first = await launcher.LaunchAsync(launch, CancellationToken.None);
        // The engine runs an activity at least once: a replay, also a concurrent one, launches the same test id again.
        var repeats = await Task.WhenAll(launcher.LaunchAsync(launch, CancellationToken.None), launcher.LaunchAsync(launch, CancellationToken.None));
        var test = await tests.Find(TestId)!;

        // A second load test would have been sending its requests all along; the first one's 10 are all there are.
        Assert.Equal(Profile.TotalRequests, sink.Requests.Count(r => r.Path == "/checkout"));
        Assert.Equal(Profile.TotalRequests, test.Load.Requests);
        Assert.Equal(1, tests.Started);
        Assert.All(repeats.Prepend(first), r => Assert.True(r.Launched, r.Detail));
        Assert.Contains("started", first.Detail);
        Assert.All(repeats, r => Assert.Contains("already started", r.Detail));

        // The result went to the k6 webhook with the launch's identity in the query, signed with the k6 secret, with its window.
        Assert.True(test.Delivered, test.Detail);
        var result = Assert.Single(sink.Requests, r => r.Path.StartsWith("/api/", StringComparison.Ordinal));
        Assert.Equal("/api/webhooks/loadtests/k6", result.Path);
        Assert.Equal($"?guardian=checkout&testId={TestId}&purpose=training", result.Query);
        Assert.Equal(GuardianSignature.Sign(Secret, result.Body), result.Header("X-Guardian-Signature"));
        Assert.Equal(test.Load.Start, DateTimeOffset.Parse(result.Header("X-Guardian-Window-Start")!, CultureInfo.InvariantCulture));
        Assert.Equal(test.Load.End, DateTimeOffset.Parse(result.Header("X-Guardian-Window-End")!, CultureInfo.InvariantCulture));
        using var summary = JsonDocument.Parse(result.Body);
        Assert.Equal(Profile.TotalRequests, summary.RootElement.GetProperty("metrics").GetProperty("http_reqs").GetProperty("values").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Another_test_id_starts_its_own_load_test()
    {
        await using var sink = await LoopbackServer.StartAsync(202, "{}");
        using var loadHttp = new HttpClient();
        using var resultHttp = new HttpClient();
        await using var tests = new BuiltInLoadTests(loadHttp, new Uri(sink.BaseAddress, "checkout"), Profile, TimeSpan.Zero);
        var launcher = Launcher(tests, resultHttp, sink.BaseAddress, Secret);
        var spec = new LoadTestSpec(LoadTestLaunchers.BuiltIn);

        await launcher.LaunchAsync(new LoadTestLaunch("checkout", TestId, "training", spec), CancellationToken.None);
        await launcher.LaunchAsync(new LoadTestLaunch("checkout", TestId.Replace("r1a1", "r2a1", StringComparison.Ordinal), "training", spec), CancellationToken.None);
        await tests.Find(TestId)!;
        await tests.Find(TestId.Replace("r1a1", "r2a1", StringComparison.Ordinal))!;

        Assert.Equal(2, tests.Started);
        Assert.Equal(2 * Profile.TotalRequests, sink.Requests.Count(r => r.Path == "/checkout"));
        Assert.Equal(2, sink.Requests.Count(r => r.Path == "/api/webhooks/loadtests/k6"));
    }

    [Theory]
    [InlineData("jmeter", Secret, "loadTest.tool 'jmeter'")]
    [InlineData("k6", "", "Webhooks:k6:Secret is not configured")]
    public async Task A_launch_it_cannot_deliver_is_refused_and_starts_nothing(string tool, string secret, string reason)
    {
        await using var sink = await LoopbackServer.StartAsync(202, "{}");
        using var loadHttp = new HttpClient();
        using var resultHttp = new HttpClient();
        await using var tests = new BuiltInLoadTests(loadHttp, new Uri(sink.BaseAddress, "checkout"), Profile, TimeSpan.Zero);
        var launcher = Launcher(tests, resultHttp, sink.BaseAddress, secret);

        var result = await launcher.LaunchAsync(new LoadTestLaunch("checkout", TestId, "training", new LoadTestSpec(LoadTestLaunchers.BuiltIn, Tool: tool)), CancellationToken.None);

        Assert.False(result.Launched);
        Assert.Contains(reason, result.Detail);
        Assert.Equal(0, tests.Started);
        Assert.Null(tests.Find(TestId));
    }

    private static BuiltInLoadTestLauncher Launcher(BuiltInLoadTests tests, HttpClient http, Uri host, string secret)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:k6:Secret"] = secret })
            .Build();
        return new BuiltInLoadTestLauncher(
            tests, http, new ConfigurationWebhookSecurity(configuration), new LoadTestResultUrls(() => host.ToString()),
            NullLogger<BuiltInLoadTestLauncher>.Instance);
    }
}
