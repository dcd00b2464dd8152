using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ReleaseGuardian.Functions.Tests.Support;

/// <summary>An HTTP answer as a client would see it.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Headers">The response headers (content headers included).</param>
/// <param name="Body">The body bytes.</param>
public sealed record CapturedResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>A header's value, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Invokes the app's HTTP functions in process the way the ASP.NET Core integration hands them over: a real
/// <see cref="HttpRequest"/>, the route values of the function's own template, the <c>[DurableClient]</c>, and the
/// returned <see cref="IActionResult"/> executed against the response.
/// </summary>
public sealed class FunctionsHttp(FunctionsDurableHost host)
{
    /// <summary>Sends one request to whichever function's method and route match it; 404 when none does, as the host would.</summary>
    public async Task<CapturedResponse> SendAsync(HttpMethod method, string pathAndQuery, byte[]? body = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var (path, query) = SplitQuery(pathAndQuery);

        // The worker runs every invocation inside an activity of its own, as ASP.NET Core does every request.
        using var invocation = new Activity("Invoke " + method.Method + " " + path).Start();
        await using var scope = host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = method.Method;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost", 7071);
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers ?? [])
        {
            http.Request.Headers.Append(name, value);
        }

        if (body is not null)
        {
            http.Request.Body = new MemoryStream(body, writable: false);
            http.Request.ContentLength = body.Length;
        }

        var responseBody = new MemoryStream();
        http.Response.Body = responseBody;

        if (Match(method.Method, path) is not { } match)
        {
            return new CapturedResponse(StatusCodes.Status404NotFound, new Dictionary<string, string>(), []);
        }

        var (function, routeValues) = match;
        foreach (var (key, value) in routeValues)
        {
            http.Request.RouteValues[key] = value;
        }

        var target = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!);
        var arguments = function.Method.GetParameters().Select(p => Bind(p, http, routeValues)).ToArray();
        var result = (IActionResult)(await function.InvokeAsync(target, arguments))!;
        await result.ExecuteResultAsync(new ActionContext(http, new RouteData(routeValues), new ActionDescriptor()));

        var answered = http.Response.Headers
            .Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))
            .ToDictionary(StringComparer.OrdinalIgnoreCase);
        return new CapturedResponse(http.Response.StatusCode, answered, responseBody.ToArray());
    }

    /// <summary>The function whose method and route template match, with the template's values.</summary>
    public static (DeclaredFunction Function, RouteValueDictionary Values)? Match(string method, string path)
    {
        const string RoutePrefix = "/api";
        if (!path.StartsWith(RoutePrefix + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var routePath = path[RoutePrefix.Length..];
        foreach (var function in FunctionCatalog.HttpFunctions)
        {
            var trigger = function.Http!;
            if (trigger.Methods?.Contains(method, StringComparer.OrdinalIgnoreCase) != true)
            {
                continue;
            }

            var values = new RouteValueDictionary();
            if (new TemplateMatcher(TemplateParser.Parse(trigger.Route!), new RouteValueDictionary()).TryMatch(routePath, values))
            {
                return (function, values);
            }
        }

        return null;
    }

    private object? Bind(ParameterInfo parameter, HttpContext http, RouteValueDictionary routeValues)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return http.Request;
        }

        if (parameter.GetCustomAttribute<DurableClientAttribute>() is not null)
        {
            return host.BindingClient;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return http.RequestAborted;
        }

        if (parameter.ParameterType == typeof(string) && routeValues.TryGetValue(parameter.Name!, out var value))
        {
            return value?.ToString();
        }

        throw new NotSupportedException($"{parameter.Member.Name}: cannot bind parameter {parameter.Name} of type {parameter.ParameterType}");
    }

    private static (string Path, string Query) SplitQuery(string pathAndQuery)
    {
        var at = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return at < 0 ? (pathAndQuery, "") : (pathAndQuery[..at], pathAndQuery[at..]);
    }
}
