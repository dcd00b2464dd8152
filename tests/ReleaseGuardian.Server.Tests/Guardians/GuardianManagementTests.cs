using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Guardians;

/// <summary>PUT/GET/DELETE /api/guardians/{id} and GET /api/guardians over real HTTP against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GuardianManagementTests(AzuriteFixture azurite) : IDisposable
{
    private readonly GuardianServer _server = IngestionServer.Start(azurite);

    private static StringContent Json(string json, string mediaType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    private static string Valid(string id) => GuardianApiClient.Definition(id, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));

    private async Task<Answer> PutAsync(HttpClient client, string id, string json, string? ifMatch = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/guardians/{id}") { Content = Json(json, mediaType) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await client.SendAsync(request);
        return await Answer.ReadAsync(response);
    }

    private static async Task<Answer> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await Answer.ReadAsync(response);
    }

    [Fact]
    public async Task An_invalid_definition_is_rejected_with_400_listing_every_problem_by_JSON_path_and_nothing_is_stored()
    {
        using var client = _server.Management();
        var definition = JsonNode.Parse(Valid("checkout"))!;
        definition["metrics"]!["source"] = "graphite";
        definition["objectives"]![0]!["thresholds"]!["failure"] = 100;
        definition["objectives"]![1]!["name"] = "";
        definition["policy"]!["rollbackOn"] = new JsonArray("maybe");

        var answer = await PutAsync(client, "checkout", definition.ToJsonString());

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body);
        Assert.Equal("application/problem+json", answer.MediaType);
        var paths = answer.Json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Contains("metrics.source", paths);
        Assert.Contains("objectives[0].thresholds.failure", paths);
        Assert.Contains("objectives[1].name", paths);
        Assert.Contains("policy.rollbackOn[0]", paths);
        Assert.All(answer.Json.GetProperty("errors").EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/checkout")).Status);
    }

    [Fact]
    public async Task Malformed_JSON_is_rejected_with_400_and_nothing_is_stored()
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "checkout", """{"id": "checkout", "objectives": [""");

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.NotEmpty(answer.Json.GetProperty("errors").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/checkout")).Status);
    }

    [Fact]
    public async Task A_new_guardian_is_created_with_201_and_an_ETag_and_a_second_put_replaces_it_with_200()
    {
        using var client = _server.Management();

        var created = await PutAsync(client, "checkout", Valid("checkout"));
        var replaced = await PutAsync(client, "checkout", Valid("checkout").Replace("Checkout service", "Checkout, v2", StringComparison.Ordinal));

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        Assert.Equal("/api/guardians/checkout", created.Headers["Location"]);
        Assert.True(replaced.Status == HttpStatusCode.OK, replaced.Body);
        Assert.NotEqual(created.Headers["ETag"], replaced.Headers["ETag"]);
        Assert.Equal(replaced.Headers["ETag"], replaced.Json.GetProperty("etag").GetString());

        var read = await GetAsync(client, "/api/guardians/checkout");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(replaced.Headers["ETag"], read.Headers["ETag"]);
        var definition = read.Json.GetProperty("definition");
        Assert.Equal(("checkout", "Checkout, v2"), (definition.GetProperty("id").GetString(), definition.GetProperty("displayName").GetString()));
        Assert.Equal("new-checkout", definition.GetProperty("flag").GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_put_with_a_stale_If_Match_is_a_412_precondition_failed_and_the_current_ETag_succeeds()
    {
        using var client = _server.Management();
        var first = await PutAsync(client, "checkout", Valid("checkout"));
        var second = await PutAsync(client, "checkout", Valid("checkout").Replace("Checkout service", "Second", StringComparison.Ordinal));

        var stale = await PutAsync(client, "checkout", Valid("checkout").Replace("Checkout service", "Stale", StringComparison.Ordinal), first.Headers["ETag"]);
        var current = await PutAsync(client, "checkout", Valid("checkout").Replace("Checkout service", "Current", StringComparison.Ordinal), second.Headers["ETag"]);

        stale.AssertProblem(HttpStatusCode.PreconditionFailed, "If-Match");
        Assert.True(current.Status == HttpStatusCode.OK, current.Body);
        var read = await GetAsync(client, "/api/guardians/checkout");
        Assert.Equal("Current", read.Json.GetProperty("definition").GetProperty("displayName").GetString());
    }

    [Theory]
    // Issue 12, finding 9: each of these reached the storage client and came back a 500.
    [InlineData("\"x")]
    [InlineData("'")]
    [InlineData("x")]
    [InlineData("W/")]
    [InlineData("\"a\"b\"")]
    [InlineData("W/\"x")]
    [InlineData("\"\u0001\"")]
    public async Task A_malformed_If_Match_is_a_400_naming_If_Match_and_stores_nothing(string ifMatch)
    {
        using var client = _server.Management();
        var first = await PutAsync(client, "checkout", Valid("checkout"));

        var answer = await PutAsync(client, "checkout", Valid("checkout").Replace("Checkout service", "Changed", StringComparison.Ordinal), ifMatch);

        answer.AssertProblem(HttpStatusCode.BadRequest, "If-Match");
        var read = await GetAsync(client, "/api/guardians/checkout");
        Assert.Equal(first.Headers["ETag"], read.Headers["ETag"]);
    }

    [Fact]
    public async Task A_well_formed_If_Match_for_a_guardian_that_does_not_exist_is_412()
    {
        using var client = _server.Management();
        var answer = await PutAsync(client, "nobody", Valid("nobody"), "W/\"datetime'2026-11-24T10%3A00%3A00.0000000Z'\"");
        answer.AssertProblem(HttpStatusCode.PreconditionFailed, "If-Match");
    }

    [Fact]
    public async Task The_list_shows_every_guardian_with_its_flag_and_count()
    {
        using var client = _server.Management();
        await PutAsync(client, "checkout", Valid("checkout"));
        await PutAsync(client, "search", GuardianApiClient.Definition("search", service: "search"));

        var list = await GetAsync(client, "/api/guardians");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(2, list.Json.GetProperty("count").GetInt32());
        var guardians = list.Json.GetProperty("guardians").EnumerateArray().ToDictionary(g => g.GetProperty("id").GetString()!);
        Assert.Equal(["checkout", "search"], guardians.Keys.Order());
        Assert.Equal("launchdarkly:new-checkout", guardians["checkout"].GetProperty("flag").GetString());
        Assert.Equal(JsonValueKind.Null, guardians["search"].GetProperty("flag").ValueKind);
        Assert.Equal(2, guardians["checkout"].GetProperty("objectives").GetInt32());
    }

    [Fact]
    public async Task The_list_is_paged_by_pageSize_and_continuation_in_id_order_each_guardian_once()
    {
        // Issue 12, finding 13: the list was one unpaged answer, and 536 guardians stalled the dashboard.
        using var client = _server.Management();
        var ids = Enumerable.Range(0, 7).Select(i => $"g-{i}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
        {
            await PutAsync(client, id, GuardianApiClient.Definition(id, service: id));
        }

        var seen = new List<string>();
        var pages = new List<int>();
        string? continuation = null;
        do
        {
            var page = await GetAsync(client, "/api/guardians?pageSize=3" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation)));
            Assert.True(page.Status == HttpStatusCode.OK, page.Body);
            var items = page.Json.GetProperty("guardians").EnumerateArray().Select(g => g.GetProperty("id").GetString()!).ToList();
            Assert.Equal(items.Count, page.Json.GetProperty("count").GetInt32());
            seen.AddRange(items);
            pages.Add(items.Count);
            continuation = page.Json.GetProperty("continuation").ValueKind == JsonValueKind.String ? page.Json.GetProperty("continuation").GetString() : null;
        }
        while (continuation is not null);

        Assert.Equal([3, 3, 1], pages);
        Assert.Equal(ids, seen);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("pageSize=x", "pageSize")]
    [InlineData("continuation=not-a-token", "continuation")]
    [InlineData("continuation=cnVuczEKdDE", "continuation")] // a runs token ("runs1\nt1") is not a guardians token
    public async Task A_bad_paging_parameter_on_the_list_is_a_400_naming_it(string query, string field)
    {
        using var client = _server.Management();
        await PutAsync(client, "checkout", Valid("checkout"));
        (await GetAsync(client, "/api/guardians?" + query)).AssertProblem(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_deleted_guardian_is_gone_204_then_404()
    {
        using var client = _server.Management();
        await PutAsync(client, "checkout", Valid("checkout"));

        using var deleted = await client.DeleteAsync("/api/guardians/checkout");
        var read = await GetAsync(client, "/api/guardians/checkout");
        using var again = await client.DeleteAsync("/api/guardians/checkout");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        read.AssertProblem(HttpStatusCode.NotFound, "id");
        (await Answer.ReadAsync(again)).AssertProblem(HttpStatusCode.NotFound, "id");
        Assert.Equal(0, (await GetAsync(client, "/api/guardians")).Json.GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/api/guardians")]
    [InlineData("GET", "/api/guardians/checkout")]
    [InlineData("PUT", "/api/guardians/checkout")]
    [InlineData("DELETE", "/api/guardians/checkout")]
    [InlineData("GET", "/api/guardians/checkout/timeline")]
    public async Task A_management_route_without_the_API_key_is_refused_with_401_naming_x_functions_key(string method, string path)
    {
        using (var management = _server.Management())
        {
            await PutAsync(management, "checkout", Valid("checkout"));
        }

        using var client = _server.Anonymous();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "PUT")
        {
            request.Content = Json(Valid("checkout").Replace("Checkout service", "Hijacked", StringComparison.Ordinal));
        }

        using var response = await client.SendAsync(request);

        (await Answer.ReadAsync(response)).AssertProblem(HttpStatusCode.Unauthorized, "x-functions-key");
        using var check = _server.Management();
        Assert.Equal("Checkout service", (await GetAsync(check, "/api/guardians/checkout")).Json.GetProperty("definition").GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task The_API_key_is_also_accepted_in_the_code_query_parameter()
    {
        using var client = _server.Anonymous();

        var list = await GetAsync(client, $"/api/guardians?code={GuardianServer.ApiKey}");

        Assert.Equal(HttpStatusCode.OK, list.Status);
    }

    [Fact]
    public async Task An_id_in_the_body_contradicting_the_URL_is_rejected_with_400_naming_id()
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "checkout", Valid("payments"));

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body);
        Assert.Equal("id", answer.Json.GetProperty("field").GetString());
        Assert.Equal("id", Assert.Single(answer.Json.GetProperty("errors").EnumerateArray()).GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/checkout")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/payments")).Status);
    }

    [Fact]
    public async Task A_body_without_an_id_takes_the_id_from_the_URL()
    {
        using var client = _server.Management();
        var definition = JsonNode.Parse(Valid("checkout"))!.AsObject();
        definition.Remove("id");

        var answer = await PutAsync(client, "checkout", definition.ToJsonString());

        Assert.True(answer.Status == HttpStatusCode.Created, answer.Body);
        Assert.Equal("checkout", answer.Json.GetProperty("definition").GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_id_in_the_URL_that_breaks_the_pattern_is_rejected_with_400_naming_id()
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "Checkout_Service", Valid("Checkout_Service"));

        answer.AssertProblem(HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task A_definition_sent_as_another_media_type_is_rejected_with_415_naming_Content_Type()
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "checkout", Valid("checkout"), mediaType: "text/yaml");

        answer.AssertProblem(HttpStatusCode.UnsupportedMediaType, "Content-Type");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/checkout")).Status);
    }

    [Theory]
    [InlineData("application/json-patch+json")]
    [InlineData("application/jsonl")]
    public async Task A_JSON_flavoured_media_type_that_is_not_a_definition_is_rejected_with_415(string mediaType)
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "checkout", Valid("checkout"), mediaType: mediaType);

        answer.AssertProblem(HttpStatusCode.UnsupportedMediaType, "Content-Type");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/api/guardians/checkout")).Status);
    }

    [Fact]
    public async Task A_definition_sent_as_application_json_with_a_charset_is_accepted()
    {
        using var client = _server.Management();

        var answer = await PutAsync(client, "checkout", Valid("checkout"), mediaType: "application/json; charset=utf-8");

        Assert.True(answer.Status == HttpStatusCode.Created, answer.Body);
    }

    [Fact]
    public async Task The_timeline_of_an_unknown_guardian_is_404_naming_id()
    {
        using var client = _server.Management();

        (await GetAsync(client, "/api/guardians/nobody/timeline")).AssertProblem(HttpStatusCode.NotFound, "id");
    }

    public void Dispose() => _server.Dispose();
}
