using System.CommandLine;

namespace ReleaseGuardian.Cli.Client;

/// <summary>
/// Where the server is and the management key to present: <c>--server</c>, else <c>GUARDIAN_SERVER</c>, else
/// <see cref="DefaultServer"/>; <c>--api-key</c>, else <c>GUARDIAN_API_KEY</c>. The key is sent as
/// <c>x-functions-key</c>, the header both hosts check (DESIGN.md §6, <c>Guardian:ApiKey</c>).
/// </summary>
/// <param name="Server">The server's base address, always ending in <c>/</c>.</param>
/// <param name="ApiKey">The management key, or null when none was given (the server then answers 401).</param>
public sealed record GuardianConnection(Uri Server, string? ApiKey)
{
    /// <summary>The environment variable naming the server.</summary>
    public const string ServerVariable = "GUARDIAN_SERVER";

    /// <summary>The environment variable holding the management API key.</summary>
    public const string ApiKeyVariable = "GUARDIAN_API_KEY";

    /// <summary>The environment variable holding the webhook signing secret of <c>guardian send</c>.</summary>
    public const string WebhookSecretVariable = "GUARDIAN_WEBHOOK_SECRET";

    /// <summary>The local Functions host's (and <c>func start</c>'s) default address.</summary>
    public static readonly Uri DefaultServer = new("http://127.0.0.1:7071/");

    /// <summary>
    /// Resolves the connection from the options and the environment. The problem, when there is one, names the
    /// option or variable the bad value came from.
    /// </summary>
    /// <param name="serverOption">The value of <c>--server</c>, or null.</param>
    /// <param name="apiKeyOption">The value of <c>--api-key</c>, or null.</param>
    /// <param name="environment">Reads an environment variable (<see cref="Environment.GetEnvironmentVariable(string)"/> outside tests).</param>
    public static (GuardianConnection? Connection, string? Problem) Resolve(string? serverOption, string? apiKeyOption, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var (server, source) = !string.IsNullOrWhiteSpace(serverOption)
            ? (serverOption.Trim(), "--server")
            : environment(ServerVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment)
                ? (fromEnvironment.Trim(), ServerVariable)
                : (DefaultServer.ToString(), "the default server");

        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"{source}: '{server}' is not an http(s) URL such as {DefaultServer}");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return (null, $"{source}: give the server's base address without a query or fragment, e.g. {DefaultServer}");
        }

        // Routes are joined relative to the base, so a base path (a reverse-proxy prefix) must end in '/'.
        if (!uri.AbsolutePath.EndsWith('/'))
        {
            uri = new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
        }

        var apiKey = !string.IsNullOrEmpty(apiKeyOption) ? apiKeyOption : environment(ApiKeyVariable);
        return (new GuardianConnection(uri, string.IsNullOrEmpty(apiKey) ? null : apiKey), null);
    }

    /// <summary>Never shows the key, so a connection can be logged or printed safely.</summary>
    public override string ToString() => $"{Server} ({(ApiKey is null ? "no API key" : "with API key")})";
}

/// <summary>The <c>--server</c> and <c>--api-key</c> options that every server command shares.</summary>
public sealed class ConnectionOptions
{
    /// <summary>The <c>--server</c> option.</summary>
    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"The Release Guardian server's base URL. Default: ${GuardianConnection.ServerVariable}, else {GuardianConnection.DefaultServer}",
    };

    /// <summary>The <c>--api-key</c> option.</summary>
    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"The management API key, sent as x-functions-key. Default: ${GuardianConnection.ApiKeyVariable}",
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Server);
        command.Options.Add(ApiKey);
    }

    /// <summary>Resolves the connection from the parsed options and the process environment.</summary>
    public (GuardianConnection? Connection, string? Problem) Resolve(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return GuardianConnection.Resolve(parseResult.GetValue(Server), parseResult.GetValue(ApiKey), Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// Runs a server command to completion and returns its exit code: resolves the connection, opens a client,
    /// and turns a bad connection setting or an unreachable server into exit code 3 with the reason on
    /// <paramref name="error"/>.
    /// </summary>
    public int Run(ParseResult parseResult, TextWriter error, Func<GuardianClient, Task<int>> command)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(command);
        var (connection, problem) = Resolve(parseResult);
        if (connection is null)
        {
            error.WriteLine($"error: {problem}");
            return ExitCodes.BadInput;
        }

        using var client = new GuardianClient(connection);
        try
        {
            // The command line runs synchronously; run the HTTP work off any caller's synchronization context
            // (a test runner's, say) so blocking on it cannot deadlock.
            return Task.Run(() => command(client)).GetAwaiter().GetResult();
        }
        catch (ServerUnreachableException e)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
