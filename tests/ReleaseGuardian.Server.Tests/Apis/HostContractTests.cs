using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Apis;

[Collection(AzuriteCollection.Name)]
public sealed class HostContractTests(AzuriteFixture azurite, SharedServers servers) : IClassFixture<SharedServers>
{
    private readonly GuardianServer _server = servers.Server(azurite);

    [Fact]
    public async Task The_health_route_answers_ok_over_real_HTTP()
    {
        using var client = _server.Anonymous();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("http://127.0.0.1:", client.BaseAddress!.ToString());
        Assert.Equal("ok", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_status_route_refuses_a_request_without_the_API_key_naming_the_header()
    {
        using var client = _server.Anonymous();

        var response = await client.GetAsync("/runtime/webhooks/durabletask/instances/checkout:run-1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("x-functions-key", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_status_route_accepts_the_key_in_the_code_query_parameter_and_answers_404_for_an_unknown_instance()
    {
        using var client = _server.Anonymous();

        var response = await client.GetAsync($"/runtime/webhooks/durabletask/instances/checkout:nope?code={GuardianServer.ApiKey}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("id", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_wrong_API_key_is_refused()
    {
        using var client = _server.Anonymous();
        client.DefaultRequestHeaders.Add("x-functions-key", "wrong");

        var response = await client.GetAsync("/runtime/webhooks/durabletask/instances/checkout:run-1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
