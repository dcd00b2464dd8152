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
