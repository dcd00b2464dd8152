using System.Net.Http.Headers;
using System.Text.Json;
using ReleaseGuardian.Application.Hosting;

namespace ReleaseGuardian.Cli.Client;

/// <summary>
/// A small typed client for a running Release Guardian host (standalone server or Functions app): the
/// Durable-compatible status route, the runs API and the inbound doors. It answers with what the server said,
/// problem+json included; only a server that cannot be reached at all raises <see cref="ServerUnreachableException"/>.
/// </summary>
public sealed class GuardianClient : IDisposable
{
    /// <summary>The management key header (Azure Functions' function-key header, checked by both hosts).</summary>
    public const string ApiKeyHeader = "x-functions-key";

    private readonly HttpClient _http;
    private readonly string? _apiKey;

    /// <summary>Creates a client for <paramref name="connection"/>.</summary>
    /// <param name="connection">The server and the management key.</param>
    /// <param name="requestTimeout">How long one request may take; default 30 seconds.</param>
    public GuardianClient(GuardianConnection connection, TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Server = connection.Server;
        _apiKey = connection.ApiKey;
        _http = new HttpClient { BaseAddress = connection.Server, Timeout = requestTimeout ?? TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("guardian-cli", "1.0"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
    }

    /// <summary>The server's base address.</summary>
    public Uri Server { get; }

    /// <summary>True when a management key will be sent.</summary>
    public bool HasApiKey => _apiKey is not null;

    /// <summary><c>GET /runtime/webhooks/durabletask/instances/{id}</c>: 202 while running, 200 when done, 404 unknown.</summary>
    public Task<ServerAnswer> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return SendAsync(WithKey(HttpMethod.Get, Route(HttpRoutes.OrchestrationStatus, ("id", instanceId))), cancellationToken);
    }

    /// <summary><c>GET /api/guardians/{id}/runs</c>, newest first.</summary>
    public Task<ServerAnswer> ListRunsAsync(string guardianId, int? pageSize, string? continuation, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        var query = new List<string>();
        if (pageSize is { } size)
        {
            query.Add("pageSize=" + size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(continuation))
        {
            query.Add("continuation=" + Uri.EscapeDataString(continuation));
        }

        var path = Route(HttpRoutes.Runs, ("id", guardianId)) + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return SendAsync(WithKey(HttpMethod.Get, path), cancellationToken);
    }

    /// <summary><c>POST /api/guardians/{id}/releases</c> with the plan's JSON exactly as given: 202 with the check-status payload.</summary>
    public Task<ServerAnswer> StartReleaseAsync(string guardianId, string planJson, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentNullException.ThrowIfNull(planJson);
        var request = WithKey(HttpMethod.Post, Route(HttpRoutes.Releases, ("id", guardianId)));
        request.Content = new StringContent(planJson, System.Text.Encoding.UTF8, "application/json");
        return SendAsync(request, cancellationToken);
    }

    /// <summary><c>GET /api/guardians/{id}/releases</c>, newest first.</summary>
    public Task<ServerAnswer> ListReleasesAsync(string guardianId, int? pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        var path = Route(HttpRoutes.Releases, ("id", guardianId))
                   + (pageSize is { } size ? "?pageSize=" + size.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        return SendAsync(WithKey(HttpMethod.Get, path), cancellationToken);
    }

    /// <summary><c>GET /api/guardians/{id}/releases/{releaseId}</c>: the release with its stages, runtime status and custom status.</summary>
    public Task<ServerAnswer> GetReleaseAsync(string guardianId, string releaseId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentException.ThrowIfNullOrEmpty(releaseId);
        return SendAsync(WithKey(HttpMethod.Get, Route(HttpRoutes.Release, ("id", guardianId), ("releaseId", releaseId))), cancellationToken);
    }

    /// <summary><c>POST /api/guardians/{id}/releases/{releaseId}/{action}</c> with <c>{"by","reason"}</c> when given.</summary>
    public Task<ServerAnswer> ControlReleaseAsync(string guardianId, string releaseId, string action, string? by, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(guardianId);
        ArgumentException.ThrowIfNullOrEmpty(releaseId);
        ArgumentException.ThrowIfNullOrEmpty(action);
        var request = WithKey(HttpMethod.Post, Route(HttpRoutes.Release + "/{action}", ("id", guardianId), ("releaseId", releaseId), ("action", action)));
        if (by is not null || reason is not null)
        {
            var body = new System.Text.Json.Nodes.JsonObject();
            if (by is not null)
            {
                body["by"] = by;
            }

            if (reason is not null)
            {
                body["reason"] = reason;
            }

            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        return SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Posts a delivery to an inbound door (<c>api/events</c>, <c>api/webhooks/...</c>) exactly as given. The
    /// standalone server checks only the sender's signature there; a Functions app may also demand a function
    /// key, so the key is sent when there is one. A Functions host writes its own system key as <c>code=</c> in the
    /// <c>statusQueryGetUri</c> it answers with, which is why printed links go through <see cref="ServerOutput.Redacted"/>.
    /// </summary>
    /// <param name="pathAndQuery">The route relative to the server, e.g. <c>api/events</c>.</param>
    /// <param name="body">The raw body (signatures are computed over exactly these bytes).</param>
    /// <param name="contentType">The Content-Type header.</param>
    /// <param name="headers">Extra request headers, e.g. the signature.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ServerAnswer> PostDeliveryAsync(
        string pathAndQuery, ReadOnlyMemory<byte> body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ArgumentNullException.ThrowIfNull(headers);
        var request = WithKey(HttpMethod.Post, pathAndQuery);
        request.Content = new ReadOnlyMemoryContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return SendAsync(request, cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>A route template of <see cref="HttpRoutes"/> with its parameters escaped, relative to the server.</summary>
    internal static string Route(string template, params (string Name, string Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            // URIs drop "." and ".." segments even when escaped, so such an id could only ever reach another route.
            if (value is "." or "..")
            {
                throw new ArgumentException($"'{value}' cannot be sent as the {name} in a URL path.", name);
            }

            template = template.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }

        return template;
    }

    private HttpRequestMessage WithKey(HttpMethod method, string pathAndQuery)
    {
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (_apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, _apiKey);
        }

        return request;
    }

    private async Task<ServerAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return ServerAnswer.Of((int)response.StatusCode, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, text);
            }
            catch (HttpRequestException e)
            {
                throw new ServerUnreachableException($"cannot reach the server at {Server}: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ServerUnreachableException($"the server at {Server} did not answer within {_http.Timeout.TotalSeconds:0} s", e);
            }
        }
    }
}

/// <summary>The server could not be reached or did not answer in time.</summary>
public sealed class ServerUnreachableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServerUnreachableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ServerUnreachableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ServerUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>What the server answered: the status code, the body, and the body as JSON when it is JSON.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="ReasonPhrase">The reason phrase, e.g. <c>Not Found</c>.</param>
/// <param name="MediaType">The Content-Type's media type, if any.</param>
/// <param name="Body">The body text.</param>
/// <param name="Json">The body parsed as JSON, or null when it is empty or not JSON.</param>
public sealed record ServerAnswer(int StatusCode, string? ReasonPhrase, string? MediaType, string Body, JsonElement? Json)
{
    /// <summary>True for a 2xx answer.</summary>
    public bool IsSuccess => StatusCode is >= 200 and <= 299;

    /// <summary>Builds an answer, parsing the body as JSON when it is JSON.</summary>
    public static ServerAnswer Of(int statusCode, string? reasonPhrase, string? mediaType, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonElement? json = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                json = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML error page, say): keep the text for the error message.
            }
        }

        return new ServerAnswer(statusCode, reasonPhrase, mediaType, body, json);
    }

    /// <summary>The body as an RFC 7807 problem (or the best description of a non-problem failure).</summary>
    public ServerProblem Problem => ServerProblem.From(this);
}

/// <summary>An RFC 7807 <c>application/problem+json</c> answer: what was wrong, naming the field at fault.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Title">The short title, e.g. <c>Unauthorized</c>.</param>
/// <param name="Detail">The detail, e.g. <c>x-functions-key: the API key is missing; ...</c>.</param>
/// <param name="Errors">Every error with its JSON path, when the server listed them.</param>
public sealed record ServerProblem(int Status, string Title, string? Detail, IReadOnlyList<string> Errors)
{
    private const int MaxEchoedBody = 2000;

    /// <summary>Reads the problem from an answer, falling back to the status line and body text.</summary>
    public static ServerProblem From(ServerAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var title = string.IsNullOrEmpty(answer.ReasonPhrase) ? "Error" : answer.ReasonPhrase;
        if (answer.Json is { ValueKind: JsonValueKind.Object } json)
        {
            var detail = Text(json, "detail");
            var errors = new List<string>();
            if (json.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var error in list.EnumerateArray())
                {
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        errors.Add($"{Text(error, "path")}: {Text(error, "message")}");
                    }
                }
            }

            return new ServerProblem(answer.StatusCode, Text(json, "title") ?? title, detail ?? Text(json, "reason") ?? Text(json, "error"), errors);
        }

        var body = answer.Body.Trim();
        return new ServerProblem(answer.StatusCode, title, body.Length == 0 ? null : body.Length > MaxEchoedBody ? body[..MaxEchoedBody] + "..." : body, []);
    }

    /// <summary>One line: <c>401 Unauthorized: detail</c>.</summary>
    public override string ToString() => Detail is null ? $"{Status} {Title}" : $"{Status} {Title}: {Detail}";

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
