using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Apis;

/// <summary>
/// The answers both hosts take from Infrastructure/HttpApi, checked over real HTTP through the standalone server:
/// status, problem+json naming the field, headers.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SharedContractTests(AzuriteFixture azurite, SharedServers servers) : IClassFixture<SharedServers>
{
    // The class shares one server, so each test that stores a guardian gives it an id of its own.
    private static string Definition(string id) => $$"""
        { "id": "{{id}}", "service": "checkout", "metrics": { "source": "loadtest" },
          "objectives": [ { "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter",
                            "thresholds": { "mode": "static", "failure": 800 } } ] }
        """;

    private readonly GuardianServer _server = servers.Server(azurite);

    [Fact]
    public async Task A_new_guardian_answers_201_with_location_etag_and_the_stored_definition()
    {
        using var client = _server.Management();
        var id = SharedServers.GuardianId();

        var response = await client.PutAsync($"/api/guardians/{id}", new StringContent(Definition(id), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/guardians/{id}", response.Headers.Location!.OriginalString);
        Assert.NotNull(response.Headers.ETag);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("checkout", body.GetProperty("definition").GetProperty("service").GetString());
    }

    [Fact]
    public async Task A_guardian_sent_as_text_is_refused_with_415_naming_the_content_type()
    {
        using var client = _server.Management();

        var response = await client.PutAsync("/api/guardians/checkout", new StringContent(Definition("checkout"), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Content-Type", problem.GetProperty("field").GetString());
        Assert.Equal(415, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("201")]
    [InlineData("many")]
    public async Task A_page_size_outside_1_to_200_is_refused_naming_pageSize(string pageSize)
    {
        using var client = _server.Management();

        var response = await client.GetAsync($"/api/notifications?pageSize={pageSize}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("pageSize", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_unknown_flag_provider_is_refused_with_404_naming_the_provider()
    {
        using var client = _server.Anonymous();

        var response = await client.PostAsync("/api/webhooks/flags/nosuch", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("provider", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_evaluation_answers_202_with_the_check_status_payload_and_its_uri_as_location()
    {
        using var client = _server.Management();
        var id = SharedServers.GuardianId();
        (await client.PutAsync($"/api/guardians/{id}", new StringContent(Definition(id), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var response = await client.PostAsync($"/api/guardians/{id}/evaluations", new StringContent(
            """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","runId":"run-1","signals":{"latency.p95":500}}""",
            Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var payload = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"{id}:run-1", payload.GetProperty("id").GetString());
        Assert.Equal(payload.GetProperty("statusQueryGetUri").GetString(), response.Headers.Location!.ToString());
        Assert.Contains($"/runtime/webhooks/durabletask/instances/{id}%3Arun-1", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task The_events_validation_handshake_echoes_the_origin()
    {
        using var client = _server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/events");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
    }
}
