using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.LoadTesting;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.LoadTesting;

/// <summary>The http launcher against a real loopback "CI system": the launch contract of docs/training.md.</summary>
public sealed class HttpLoadTestLauncherTests
{
    private const string Secret = "k6-launch-secret";

    [Fact]
    public async Task A_launch_posts_the_signed_body_with_the_tools_result_url_and_a_2xx_answer_means_launched()
    {
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var services = Services("https://guardian.example.org/", ci.BaseAddress + "hooks/");
        var launcher = services.GetRequiredService<HttpLoadTestLauncher>();

        var result = await launcher.LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.True(result.Launched, result.Detail);
        var request = Assert.Single(ci.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/k6", request.Path);
        // The same HMAC the tool's result is verified with, over the raw body.
        Assert.Equal(GuardianSignature.Sign(Secret, request.Body), request.Headers["X-Guardian-Signature"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("checkout", body.RootElement.GetProperty("guardian").GetString());
        Assert.Equal("training-20261206T010000-ab12-r1a1", body.RootElement.GetProperty("testId").GetString());
        Assert.Equal("training", body.RootElement.GetProperty("purpose").GetString());
        Assert.Equal(
            "https://guardian.example.org/api/webhooks/loadtests/k6?guardian=checkout&testId=training-20261206T010000-ab12-r1a1&purpose=training",
            body.RootElement.GetProperty("resultUrl").GetString());
    }

    [Theory]
    [InlineData(500)]
    [InlineData(404)]
    [InlineData(302)]
    public async Task Any_answer_other_than_2xx_is_a_refused_launch(int status)
    {
        await using var ci = await LoopbackServer.StartAsync(status, "");
        await using var services = Services("https://guardian.example.org", ci.BaseAddress + "hooks/");

        var result = await services.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_tools_secret_or_a_public_base_url_nothing_is_sent()
    {
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var noBase = Services(publicBaseUrl: null, ci.BaseAddress + "hooks/");
        await using var noSecret = Services("https://guardian.example.org", ci.BaseAddress + "hooks/", secret: null);

        var unsigned = await noSecret.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);
        var nowhere = await noBase.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(unsigned.Launched);
        Assert.Contains("Webhooks:k6:Secret", unsigned.Detail, StringComparison.Ordinal);
        Assert.False(nowhere.Launched);
        Assert.Contains("Api:PublicBaseUrl", nowhere.Detail, StringComparison.Ordinal);
        Assert.Empty(ci.Requests);
    }

    [Fact]
    public async Task A_launcher_url_on_an_internal_address_is_refused_by_the_outbound_policy_and_nothing_is_sent()
    {
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var services = Services("https://guardian.example.org", ci.BaseAddress + "hooks/", allowPrivateNetworks: false);

        var result = await services.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Empty(ci.Requests);
    }

    [Fact]
    public async Task A_url_that_is_not_on_the_operators_allow_list_is_refused_at_launch_and_nothing_is_sent()
    {
        // A definition stored while the list still named this runner: the list changed since, so the launch is refused.
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var services = Services("https://guardian.example.org", "https://ci.example.org/hooks/");

        var result = await services.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Contains("LoadTest:AllowedUrls", result.Detail, StringComparison.Ordinal);
        Assert.Contains("loadTest.url", result.Detail, StringComparison.Ordinal);
        Assert.Empty(ci.Requests);
    }

    [Fact]
    public async Task With_an_empty_allow_list_the_http_launcher_is_off_and_says_which_setting_turns_it_on()
    {
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var services = Services("https://guardian.example.org", null);

        var result = await services.GetRequiredService<HttpLoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Contains("http launcher is off", result.Detail, StringComparison.Ordinal);
        Assert.Contains("LoadTest:AllowedUrls is empty", result.Detail, StringComparison.Ordinal);
        Assert.Empty(ci.Requests);
    }

    // An entry ending in '/' is a prefix on the same scheme, host and port; any other entry is one exact URL.
    [Theory]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooks/k6", true)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooks/deep/k6?x=1", true)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooksy/k6", false)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooks/../admin", false)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooks/%2e%2e/admin", false)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org/hooks/..%2fadmin", false)]
    [InlineData("https://ci.example.org/hooks/", "http://ci.example.org/hooks/k6", false)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org:8443/hooks/k6", false)]
    [InlineData("https://ci.example.org/hooks/", "https://ci.example.org.attacker.net/hooks/k6", false)]
    [InlineData("https://ci.example.org/hooks/", "https://user:pw@ci.example.org/hooks/k6", false)]
    [InlineData("https://ci.example.org/hooks/k6", "https://ci.example.org/hooks/k6", true)]
    [InlineData("https://ci.example.org/hooks/k6", "https://CI.example.org/hooks/k6", true)]
    [InlineData("https://ci.example.org/hooks/k6", "https://ci.example.org/hooks/k6/more", false)]
    [InlineData("https://ci.example.org/hooks/k6", "https://ci.example.org/hooks/k6?other=1", false)]
    public void An_allow_list_entry_is_a_prefix_when_it_ends_with_a_slash_and_an_exact_url_otherwise(string entry, string url, bool allowed)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["LoadTest:AllowedUrls"] = entry }).Build();

        Assert.Equal(allowed, LoadTestDestinations.ProblemWith(configuration, url) is null);
    }

    [Fact]
    public void The_allow_list_is_read_from_a_list_section_or_from_one_separated_string()
    {
        var list = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LoadTest:AllowedUrls:0"] = "https://a.example.org/run",
            ["LoadTest:AllowedUrls:1"] = "https://b.example.org/hooks/",
        }).Build();
        var joined = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LoadTest:AllowedUrls"] = "https://a.example.org/run; https://b.example.org/hooks/",
        }).Build();

        Assert.Equal(["https://a.example.org/run", "https://b.example.org/hooks/"], LoadTestDestinations.Configured(list).Select(u => u.ToString()));
        Assert.Equal(["https://a.example.org/run", "https://b.example.org/hooks/"], LoadTestDestinations.Configured(joined).Select(u => u.ToString()));
    }

    private static LoadTestLaunch Launch(string url) =>
        new("checkout", "training-20261206T010000-ab12-r1a1", "training", new LoadTestSpec(LoadTestLaunchers.Http, url, "k6"));

    // allowedUrls is the operator's LoadTest:AllowedUrls; most tests list the loopback "CI system" itself.
    private static ServiceProvider Services(string? publicBaseUrl, string? allowedUrls, string? secret = Secret, bool allowPrivateNetworks = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LoadTest:AllowedUrls"] = allowedUrls,
            ["Api:PublicBaseUrl"] = publicBaseUrl,
            ["Webhooks:k6:Secret"] = secret,
            // The "CI system" of these tests is a loopback server.
            ["Outbound:AllowPrivateNetworks"] = allowPrivateNetworks ? "true" : "false",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IWebhookSecuritySettings>(new ConfigurationWebhookSecurity(configuration));
        services.AddLoadTestLaunchers(configuration);
        return services.BuildServiceProvider();
    }
}
