using System.Net;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Apis;

/// <summary>
/// Issue 12, finding 6: the Host header was echoed into <c>Location</c> and <c>statusQueryGetUri</c>, and both carried
/// <c>?code=</c> with the management key, even when the key came in a header.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublicUrlTests(AzuriteFixture azurite)
{
    private const string Window = """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z"}""";

    private static async Task<(HttpResponseMessage Response, string Body)> EvaluateAsync(Scenario scenario, string? host, bool keyInQuery = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/guardians/checkout/evaluations" + (keyInQuery ? "?code=" + GuardianServer.ApiKey : ""))
        {
            Content = new StringContent(Window, Encoding.UTF8, "application/json"),
        };
        if (host is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Host", host));
        }

        var client = keyInQuery ? scenario.Anonymous : scenario.Api;
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<string> ReturnedUrls(HttpResponseMessage response, string body)
    {
        var payload = JsonDocument.Parse(body).RootElement;
        foreach (var name in new[] { "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
        {
            yield return payload.GetProperty(name).GetString()!;
        }

        yield return response.Headers.Location!.ToString();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_foreign_Host_header_is_never_echoed_and_no_returned_url_carries_the_key(bool keyInQuery)
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Workflow:Enabled"] = "false" });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var (response, body) = await EvaluateAsync(scenario, "attacker.example:8443", keyInQuery);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        foreach (var url in ReturnedUrls(response, body))
        {
            Assert.DoesNotContain("attacker.example", url, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(GuardianServer.ApiKey, url, StringComparison.Ordinal);
            Assert.DoesNotContain("code=", url, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith("/runtime/webhooks/durabletask/instances/", url, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(GuardianServer.ApiKey, body, StringComparison.Ordinal);

        // The relative status URL works with the key in the header, as it was sent.
        Assert.Equal(HttpStatusCode.Accepted, (await scenario.Api.GetAsync(response.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task Api_PublicBaseUrl_is_the_base_of_every_returned_url_whatever_the_Host_header_says()
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Workflow:Enabled"] = "false",
            ["Api:PublicBaseUrl"] = "https://guardian.example.org/",
        });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        foreach (var host in new[] { "attacker.example", null })
        {
            var (response, body) = await EvaluateAsync(scenario, host);
            Assert.All(ReturnedUrls(response, body), url =>
                Assert.StartsWith("https://guardian.example.org/runtime/webhooks/durabletask/instances/checkout%3Amanual-", url, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_host_listed_in_Api_AllowedHosts_or_loopback_gets_absolute_urls_on_itself()
    {
        await using var scenario = await Scenario.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Workflow:Enabled"] = "false",
            ["Api:AllowedHosts"] = "guardian.internal;other.internal:8080",
        });
        await scenario.PutGuardianAsync("checkout", Scenario.Guardian("checkout", scenario.HookUrl, Scenario.StaticObjectives));

        var (listed, listedBody) = await EvaluateAsync(scenario, "guardian.internal:5000");
        Assert.All(ReturnedUrls(listed, listedBody), url => Assert.StartsWith("http://guardian.internal:5000/runtime/", url, StringComparison.Ordinal));

        var (loopback, loopbackBody) = await EvaluateAsync(scenario, null);
        Assert.All(ReturnedUrls(loopback, loopbackBody), url => Assert.StartsWith(scenario.Api.BaseAddress + "runtime/", url, StringComparison.Ordinal));

        var (smuggled, smuggledBody) = await EvaluateAsync(scenario, "127.0.0.1:80@attacker.example");
        Assert.True(smuggled.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Accepted, smuggledBody);
        if (smuggled.StatusCode == HttpStatusCode.Accepted)
        {
            Assert.All(ReturnedUrls(smuggled, smuggledBody), url => Assert.DoesNotContain("attacker", url, StringComparison.Ordinal));
        }
    }
}
