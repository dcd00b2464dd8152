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
        await using var services = Services("https://guardian.example.org/");
        var launcher = services.GetRequiredService<ILoadTestLauncher>();

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
        await using var services = Services("https://guardian.example.org");

        var result = await services.GetRequiredService<ILoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_tools_secret_or_a_public_base_url_nothing_is_sent()
    {
        await using var ci = await LoopbackServer.StartAsync(202, "");
        await using var noBase = Services(publicBaseUrl: null);
        await using var noSecret = Services("https://guardian.example.org", secret: null);

        var unsigned = await noSecret.GetRequiredService<ILoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);
        var nowhere = await noBase.GetRequiredService<ILoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

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
        await using var services = Services("https://guardian.example.org", allowPrivateNetworks: false);

        var result = await services.GetRequiredService<ILoadTestLauncher>().LaunchAsync(Launch(ci.BaseAddress + "hooks/k6"), default);

        Assert.False(result.Launched);
        Assert.Empty(ci.Requests);
    }

    private static LoadTestLaunch Launch(string url) =>
        new("checkout", "training-20261206T010000-ab12-r1a1", "training", new LoadTestSpec(LoadTestLaunchers.Http, url, "k6"));

    private static ServiceProvider Services(string? publicBaseUrl, string? secret = Secret, bool allowPrivateNetworks = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
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
