namespace ReleaseGuardian.Core.Definitions;

/// <summary>The load-test launcher kinds.</summary>
public static class LoadTestLaunchers
{
    /// <summary>A signed POST to a CI system or test runner, which posts the tool's summary to the given result URL.</summary>
    public const string Http = "http";

    /// <summary>A test run in Azure Load Testing, started over its data-plane API with managed identity.</summary>
    public const string AzureLoadTesting = "azureloadtesting";

    /// <summary>The demo's built-in load generator (only where the demo registers it).</summary>
    public const string BuiltIn = "builtin";

    /// <summary>Every kind, for error messages.</summary>
    public static IReadOnlyList<string> All { get; } = [Http, AzureLoadTesting, BuiltIn];
}

/// <summary>
/// How a guardian's load tests are started (optional): what baseline training launches. Destinations are plain
/// values; the secret that signs a launch and the identity that starts a run come from operator configuration.
/// </summary>
/// <param name="Launcher">http, azureloadtesting or builtin (<see cref="LoadTestLaunchers"/>).</param>
/// <param name="Url">Where an http launch is POSTed.</param>
/// <param name="Tool">The load-test tool whose webhook receives the result (k6, jmeter, locust, artillery, azureloadtesting) and whose webhook secret signs the launch.</param>
/// <param name="Endpoint">The Azure Load Testing data-plane endpoint, <c>https://{id}.{region}.cnt-prod.loadtesting.azure.com</c>.</param>
/// <param name="TestId">The Azure Load Testing test to run.</param>
public sealed record LoadTestSpec(string Launcher, string? Url = null, string? Tool = null, string? Endpoint = null, string? TestId = null);

/// <summary>
/// Where the Azure Load Testing launcher may send its managed-identity token: only Azure Load Testing's own data-plane
/// hosts, <c>https://{resource-id}.{region}.cnt-prod.loadtesting.azure.com</c> on the default port, with no path,
/// query or credentials. Checked when a definition is stored and again before every call.
/// </summary>
public static class AzureLoadTestingEndpoints
{
    /// <summary>The host suffix every data-plane endpoint has.</summary>
    public const string HostSuffix = ".cnt-prod.loadtesting.azure.com";

    /// <summary>The endpoint as a base URI, or null when it is not an Azure Load Testing data-plane endpoint.</summary>
    public static Uri? Parse(string? endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || !IsDataPlane(uri)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return null;
        }

        return new Uri("https://" + uri.IdnHost + "/");
    }

    /// <summary>True when <paramref name="uri"/> is https on the default port to a host under <see cref="HostSuffix"/>, without credentials.</summary>
    public static bool IsDataPlane(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps || !uri.IsDefaultPort || uri.UserInfo.Length > 0
            || uri.HostNameType != UriHostNameType.Dns)
        {
            return false;
        }

        var host = uri.IdnHost;
        // At least one label before the suffix, and no empty label ("..cnt-prod" or a trailing dot).
        return host.Length > HostSuffix.Length
            && host.EndsWith(HostSuffix, StringComparison.OrdinalIgnoreCase)
            && !host.Contains("..", StringComparison.Ordinal)
            && !host.EndsWith('.');
    }
}
