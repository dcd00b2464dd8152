using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Apis;

/// <summary>
/// The OpenAPI description at <c>/openapi/v1.json</c> against what the two hosts really serve: the standalone
/// server's routing table and the Functions app's HTTP triggers, read from its built assembly.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OpenApiTests(AzuriteFixture azurite, SharedServers servers) : IClassFixture<SharedServers>
{
    // Built into the Functions host (Durable Functions' HTTP API), so no [HttpTrigger] declares them; the standalone
    // server serves the same routes and shapes.
    private static readonly string[] DurableRoutes =
        ["GET /runtime/webhooks/durabletask/instances/{id}", "POST /runtime/webhooks/durabletask/instances/{id}/terminate"];

    // Served by the standalone host only: the Functions host has its own liveness, and no diagnostics route.
    private static readonly string[] StandaloneOnly = ["GET /healthz", "GET /api/diagnostics/storage"];

    private readonly GuardianServer _server = servers.Server(azurite, new Dictionary<string, string?> { ["Diagnostics:Enabled"] = "true" });

    [Fact]
    public async Task The_description_lists_exactly_the_routes_the_standalone_server_maps_and_the_Functions_app_declares()
    {
        var documented = Operations(await DocumentAsync()).Select(o => o.Route).ToHashSet();

        var standalone = StandaloneRoutes();
        var functions = FunctionsRoutes().Concat(DurableRoutes).ToHashSet();

        Assert.Equal(standalone.Order(), documented.Order());
        Assert.Empty(functions.Except(documented));
        Assert.Equal(StandaloneOnly.Order(), documented.Except(functions).Order());
    }

    [Fact]
    public async Task Every_error_a_route_documents_is_problem_json_with_a_description_and_management_routes_document_the_key()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToList();

        foreach (var (route, operation) in operations)
        {
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            Assert.Contains(responses, r => r.Name.StartsWith('2'));
            foreach (var response in responses)
            {
                Assert.False(string.IsNullOrWhiteSpace(response.Value.GetProperty("description").GetString()), $"{route} {response.Name} has no description");
                if (response.Name.StartsWith('4'))
                {
                    var problem = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                    Assert.Equal("#/components/schemas/ApiProblem", problem.GetProperty("$ref").GetString());
                }
            }

            var secured = operation.TryGetProperty("security", out _);
            var refusesWithoutKey = responses.Any(r => r.Name == "401") && !route.Contains(" /api/webhooks/", StringComparison.Ordinal) && !route.EndsWith("/api/events", StringComparison.Ordinal);
            Assert.Equal(refusesWithoutKey, secured);
            if (route.StartsWith("POST", StringComparison.Ordinal) || route.StartsWith("PUT", StringComparison.Ordinal))
            {
                Assert.Contains(responses, r => r.Name == "413");
            }
        }

        Assert.All(["400", "401", "404", "409", "412", "413", "415"], status =>
            Assert.Contains(operations, o => o.Operation.GetProperty("responses").TryGetProperty(status, out _)));
        // The routes' own words, not the generator's reason phrases.
        var put = operations.Single(o => o.Route == "PUT /api/guardians/{id}").Operation.GetProperty("responses");
        Assert.Contains("If-Match", put.GetProperty("412").GetProperty("description").GetString());
        Assert.Contains("x-functions-key", put.GetProperty("401").GetProperty("description").GetString());
        Assert.Contains("errors", put.GetProperty("400").GetProperty("description").GetString());
        var problemSchema = document.GetProperty("components").GetProperty("schemas").GetProperty("ApiProblem").GetProperty("properties");
        Assert.All(["type", "title", "status", "detail", "field", "errors", "traceId"], name => Assert.True(problemSchema.TryGetProperty(name, out _), name));
        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("managementKey", out _));
    }

    [Fact]
    public async Task The_problems_the_routes_really_answer_have_only_the_documented_members()
    {
        var document = await DocumentAsync();
        var documented = document.GetProperty("components").GetProperty("schemas").GetProperty("ApiProblem")
            .GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        using var anonymous = _server.Anonymous();
        using var management = _server.Management();

        var answers = new[]
        {
            await anonymous.GetAsync("/api/guardians"),
            await management.GetAsync("/api/guardians/no-such-guardian"),
            await management.GetAsync("/api/notifications?pageSize=0"),
            await management.PutAsync("/api/guardians/checkout", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")),
            await anonymous.PostAsync("/api/webhooks/flags/no-such-service", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")),
            await management.PutAsync("/api/guardians/checkout", new StringContent("{}", System.Text.Encoding.UTF8, "text/plain")),
        };

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.UnsupportedMediaType],
            answers.Select(a => a.StatusCode));
        foreach (var answer in answers)
        {
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType!.MediaType);
            var members = (await answer.Content.ReadFromJsonAsync<JsonElement>()).EnumerateObject().Select(p => p.Name).ToList();
            Assert.Empty(members.Except(documented));
            Assert.Contains("field", members);
        }
    }

    [Fact]
    public async Task The_description_is_served_without_the_management_key()
    {
        using var anonymous = _server.Anonymous();

        var response = await anonymous.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_committed_description_for_Functions_deployments_is_the_one_the_server_generates()
    {
        // docs/openapi.v1.json is what a Functions deployment publishes (e.g. imported into API Management), since
        // that host does not serve the document itself (docs/openapi.md). Regenerate: RELEASEGUARDIAN_UPDATE_OPENAPI=1.
        var committed = Path.Combine(AzuriteFixture.RepositoryRoot(), "docs", "openapi.v1.json");
        using var anonymous = _server.Anonymous();
        var served = System.Text.Json.Nodes.JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!.AsObject();
        served.Remove("servers");
        var generated = served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("RELEASEGUARDIAN_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(committed, generated);
        }

        Assert.True(File.Exists(committed), $"{committed} is missing; run this test once with RELEASEGUARDIAN_UPDATE_OPENAPI=1");
        Assert.Equal(generated, (await File.ReadAllTextAsync(committed)).ReplaceLineEndings("\n"));
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var anonymous = _server.Anonymous();
        return await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
    }

    private static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where operation.Name is "get" or "put" or "post" or "delete" or "options" or "patch" or "head"
        select ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);

    /// <summary>Every method and route in the standalone server's routing table, but the description's own route.</summary>
    private HashSet<string> StandaloneRoutes()
    {
        var routes = new HashSet<string>();
        foreach (var endpoint in _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.Trim('/');
            if (pattern == "/openapi/{documentName}.json")
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
            {
                routes.Add($"{method} {pattern.Replace("//", "/", StringComparison.Ordinal)}");
            }
        }

        return routes;
    }

    /// <summary>
    /// Every method and route of the Functions app's HTTP triggers: methods carrying [Function] with a parameter
    /// carrying [HttpTrigger(level, methods..., Route = ...)], under host.json's route prefix. Read by attribute
    /// name in a MetadataLoadContext, so the worker's packages never load into this test.
    /// </summary>
    private static IEnumerable<string> FunctionsRoutes()
    {
        var root = AzuriteFixture.RepositoryRoot();
        var relative = typeof(OpenApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsAssembly").Value!;
        var path = Path.Combine(root, relative);
        Assert.True(File.Exists(path), $"{path} is missing: build src/ReleaseGuardian.Functions (this test project's build does it)");
        var prefix = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json"))).RootElement
            .GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString()!;

        var assemblies = Directory.GetFiles(Path.GetDirectoryName(path)!, "*.dll")
            .Concat(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"))
            .Concat(Directory.GetFiles(Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location)!, "*.dll"))
            .GroupBy(Path.GetFileName).Select(g => g.First());
        using var context = new MetadataLoadContext(new PathAssemblyResolver(assemblies));
        var functions = context.LoadFromAssemblyPath(path);
        var routes = new List<string>();
        foreach (var method in functions.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)))
        {
            if (!method.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.FunctionAttribute"))
            {
                continue;
            }

            foreach (var trigger in method.GetParameters().SelectMany(p => p.GetCustomAttributesData())
                         .Where(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.HttpTriggerAttribute"))
            {
                var route = trigger.NamedArguments.Single(n => n.MemberName == "Route").TypedValue.Value as string;
                Assert.False(string.IsNullOrEmpty(route), $"{method.Name} has an HTTP trigger without a route");
                var methods = trigger.ConstructorArguments
                    .Where(a => a.ArgumentType.IsArray)
                    .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.Value!)
                    .Select(m => ((string)m.Value!).ToUpperInvariant());
                routes.AddRange(methods.Select(m => $"{m} /{prefix}/{route}"));
            }
        }

        Assert.NotEmpty(routes);
        return routes;
    }
}
