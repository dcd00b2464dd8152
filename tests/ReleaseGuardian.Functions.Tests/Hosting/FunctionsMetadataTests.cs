using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Server.Composition;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Hosting;

/// <summary>
/// The <c>functions.metadata</c> the Worker SDK wrote for the built app is what the Functions host indexes: every
/// function, trigger, route, method and authorization level the host will serve. It is compared with the app's own
/// attributes, with the standalone server's endpoints and with the route table in docs/routes.md.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class FunctionsMetadataTests(AzuriteFixture azurite)
{
    // Routes outside the host's "api" prefix belong to one host by construction: the Functions host serves the Durable
    // status route itself, and the standalone host adds its dashboard (at /), health, diagnostics and document routes.
    private static readonly string[] StandaloneOnlyPrefixes = ["healthz", "runtime/webhooks/durabletask/", "openapi/", "api/diagnostics/"];

    [Fact]
    public void Every_function_of_the_app_is_in_the_metadata_with_its_trigger()
    {
        var metadata = Metadata();

        Assert.Equal(FunctionCatalog.All.Select(f => f.Name).Order(), metadata.Keys.Order());
        foreach (var function in FunctionCatalog.All)
        {
            var trigger = TriggerOf(metadata[function.Name]);
            var expected = function.Trigger switch
            {
                HttpTriggerAttribute => "httpTrigger",
                QueueTriggerAttribute => "queueTrigger",
                OrchestrationTriggerAttribute => "orchestrationTrigger",
                ActivityTriggerAttribute => "activityTrigger",
                var other => other.GetType().Name,
            };
            Assert.Equal(expected, trigger.GetProperty("type").GetString());
        }
    }

    [Fact]
    public void Every_HTTP_function_is_in_the_metadata_with_its_route_method_and_authorization_level()
    {
        var metadata = Metadata();

        foreach (var function in FunctionCatalog.HttpFunctions)
        {
            var trigger = TriggerOf(metadata[function.Name]);
            Assert.Equal(function.Http!.Route, trigger.GetProperty("route").GetString());
            Assert.Equal(function.Http.Methods!.Select(m => m.ToLowerInvariant()), trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
            Assert.Equal(function.Http.AuthLevel.ToString(), trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        }

        // Management routes need the function key; the ingestion doors are authenticated by their senders' signatures.
        Assert.All(
            FunctionCatalog.HttpFunctions.Where(f => f.Http!.Route!.StartsWith("guardians", StringComparison.Ordinal) || f.Http.Route == FunctionRoutes.Notifications),
            f => Assert.Equal(AuthorizationLevel.Function, f.Http!.AuthLevel));
        Assert.All(
            FunctionCatalog.HttpFunctions.Where(f => f.Http!.Route!.StartsWith("webhooks", StringComparison.Ordinal) || f.Http.Route == FunctionRoutes.Events),
            f => Assert.Equal(AuthorizationLevel.Anonymous, f.Http!.AuthLevel));
    }

    [Fact]
    public void The_queue_trigger_listens_on_guardian_events_through_the_storage_connection()
    {
        var queue = TriggerOf(Metadata()["GuardianEvents"]);

        Assert.Equal("queueTrigger", queue.GetProperty("type").GetString());
        Assert.Equal(QueueNames.GuardianEvents, queue.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", queue.GetProperty("connection").GetString());
    }

    [Fact]
    public void The_built_app_declares_the_Durable_and_Queue_extensions()
    {
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildOutput(), "extensions.json")));
        var names = extensions.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();

        Assert.Contains("DurableTask", names);
        Assert.Contains(names, n => n!.Contains("AzureStorageQueues", StringComparison.Ordinal) || n.Contains("Queue", StringComparison.Ordinal));
    }

    [Fact]
    public void The_Functions_app_and_the_standalone_server_serve_the_same_API_routes()
    {
        var functions = FunctionsRoutes();
        var standalone = StandaloneRoutes(azurite.ConnectionString);

        var onlyInStandalone = standalone.Except(functions).Where(r => !IsStandaloneOnly(r)).ToList();
        var onlyInFunctions = functions.Except(standalone).ToList();
        Assert.True(onlyInStandalone.Count == 0, "served by the standalone host but not by Functions: " + string.Join(", ", onlyInStandalone));
        Assert.True(onlyInFunctions.Count == 0, "served by Functions but not by the standalone host: " + string.Join(", ", onlyInFunctions));
    }

    [Fact]
    public void Every_route_of_the_documented_route_table_is_served_by_the_Functions_app_or_named_as_one_hosts_own()
    {
        var functions = FunctionsRoutes();
        var documented = DocumentedRoutes();

        Assert.NotEmpty(documented);
        var missing = documented.Where(r => !functions.Contains(r) && !IsStandaloneOnly(r)).ToList();
        Assert.True(missing.Count == 0, "documented in docs/routes.md but not a Functions route: " + string.Join(", ", missing));
        var undocumented = functions.Except(documented).ToList();
        Assert.True(undocumented.Count == 0, "Functions routes missing from docs/routes.md: " + string.Join(", ", undocumented));
    }

    /// <summary>"METHOD route" for every HTTP function, as the host serves it (with its "api/" prefix).</summary>
    private static HashSet<string> FunctionsRoutes() =>
        (from function in Metadata().Values
         let trigger = TriggerOf(function)
         where trigger.GetProperty("type").GetString() == "httpTrigger"
         from method in trigger.GetProperty("methods").EnumerateArray()
         select $"{method.GetString()!.ToUpperInvariant()} {HttpRoutes.ApiPrefix}{trigger.GetProperty("route").GetString()}").ToHashSet();

    /// <summary>"METHOD route" for every endpoint the standalone server maps, read from its routing without starting it.</summary>
    private static HashSet<string> StandaloneRoutes(string storage)
    {
        var app = GuardianServerApp.Create([], builder =>
        {
            builder.Configuration["AzureWebJobsStorage"] = storage;
            builder.Configuration["Guardian:ApiKey"] = "unused";
            builder.Configuration["Diagnostics:Enabled"] = "true";
        });
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} {e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet();
    }

    /// <summary>The rows of docs/routes.md's table, "METHOD route", with "[/{x}]" spelled out as both routes.</summary>
    private static HashSet<string> DocumentedRoutes()
    {
        var routes = new HashSet<string>();
        foreach (Match row in DocumentedRoute().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "routes.md"))))
        {
            var method = row.Groups["method"].Value;
            var route = row.Groups["route"].Value.TrimStart('/');
            if (OptionalSegment().Match(route) is { Success: true } optional)
            {
                routes.Add($"{method} {route.Replace(optional.Value, "", StringComparison.Ordinal)}");
                routes.Add($"{method} {route.Replace(optional.Value, optional.Groups[1].Value, StringComparison.Ordinal)}");
            }
            else
            {
                routes.Add($"{method} {route}");
            }
        }

        return routes;
    }

    private static bool IsStandaloneOnly(string route)
    {
        var path = route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        return path.Length == 0 || StandaloneOnlyPrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal));
    }

    private static Dictionary<string, JsonElement> Metadata()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildOutput(), "functions.metadata")));
        return metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    }

    private static JsonElement TriggerOf(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    /// <summary>The Functions project's build output for this configuration, where the Worker SDK wrote the metadata.</summary>
    private static string BuildOutput()
    {
        // This assembly sits in tests/ReleaseGuardian.Functions.Tests/bin/{Configuration}/{TargetFramework}/.
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!;
        var output = Path.Combine(RepositoryRoot(), "src", "ReleaseGuardian.Functions", "bin", configuration.Name, framework.Name);
        Assert.True(File.Exists(Path.Combine(output, "functions.metadata")), $"no functions.metadata in {output}: build Functions.sln first");
        return output;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|DELETE|OPTIONS|PATCH) (?<route>/[^`]*)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedRoute();

    [GeneratedRegex(@"\[(/\{[a-zA-Z]+\})\]")]
    private static partial Regex OptionalSegment();
}
