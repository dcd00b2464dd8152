using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.LoadTesting;

namespace ReleaseGuardian.Demo.LoadGeneration;

/// <summary>
/// <c>{"launcher":"builtin"}</c>: the demo's built-in load generator as a load-test launcher. A launch starts the load
/// test in the background and returns at once; when the load is over, the generator's k6 summary goes to the k6
/// load-test webhook (the result URL an http launcher would hand a CI system, with guardian, testId and purpose in its
/// query), signed with <c>Webhooks:k6:Secret</c> exactly as a real k6 result is, with the judged window in
/// <c>X-Guardian-Window-Start</c>/<c>-End</c>. Ingestion then wakes the training instance that waits for the test id.
/// A repeated launch of a test id starts nothing. Only the demo registers it (<see cref="BuiltInLoadTestLauncherServiceCollectionExtensions.AddBuiltInLoadTestLauncher"/>):
/// it loads the demo's own checkout service, which a production host does not have.
/// </summary>
public sealed partial class BuiltInLoadTestLauncher(
    BuiltInLoadTests tests, HttpClient http, IWebhookSecuritySettings secrets, LoadTestResultUrls resultUrls, ILogger<BuiltInLoadTestLauncher> logger)
    : ILoadTestLauncher
{
    /// <summary>The tool whose summaries the generator writes, and whose webhook and secret carry them.</summary>
    public const string Tool = "k6";

    // The ingestion route's window headers (RunIdentity, documented on the load-test webhook): the result URL stays as
    // it was handed out, and the window travels beside it, as a k6 handleSummary hook would send it.
    private const string WindowStartHeader = "X-Guardian-Window-Start";
    private const string WindowEndHeader = "X-Guardian-Window-End";

    /// <inheritdoc />
    public string Kind => LoadTestLaunchers.BuiltIn;

    /// <inheritdoc />
    public Task<LoadTestLaunchResult> LaunchAsync(LoadTestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (launch.Spec.Tool is { } tool && tool != Tool)
        {
            return Refused($"the built-in load generator writes {Tool} summaries; loadTest.tool '{tool}' cannot carry them");
        }

        var secret = secrets.For(Tool).Secret;
        if (string.IsNullOrEmpty(secret))
        {
            return Refused($"Webhooks:{Tool}:Secret is not configured, so the result could neither be signed nor verified");
        }

        if (resultUrls.For(Tool, launch.GuardianId, launch.TestId, launch.Purpose) is not { } resultUrl)
        {
            return Refused("this host knows no public base URL, so there is no result URL to post the result to");
        }

        var profile = tests.Profile;
        if (!tests.TryStart(launch.TestId, (load, start, end, ct) => DeliverAsync(launch, resultUrl, secret, load, start, end, ct)))
        {
            LogRepeated(logger, launch.GuardianId, launch.TestId);
            return Task.FromResult(new LoadTestLaunchResult(true, $"the built-in load generator had already started {launch.TestId}; not started again"));
        }

        LogStarted(logger, launch.GuardianId, launch.TestId, profile.TotalRequests, profile.RequestsPerSecond);
        return Task.FromResult(new LoadTestLaunchResult(true,
            $"the built-in load generator started {launch.TestId}: {profile.TotalRequests} requests at {profile.RequestsPerSecond}/s"));
    }

    private async Task<(int? Status, string Detail)> DeliverAsync(
        LoadTestLaunch launch, string resultUrl, string secret, LoadTestResult load, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var body = K6Summary.ToJson(load);
        using var request = new HttpRequestMessage(HttpMethod.Post, resultUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(GuardianSignature.HeaderName, GuardianSignature.Sign(secret, body));
        request.Headers.Add(WindowStartHeader, Iso(start));
        request.Headers.Add(WindowEndHeader, Iso(end));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            LogDelivered(logger, launch.GuardianId, launch.TestId, code);
            return (code, response.IsSuccessStatusCode
                ? $"the {Tool} webhook accepted the result ({code})"
                : $"the {Tool} webhook refused the result ({code})");
        }
        catch (HttpRequestException e)
        {
            // No retry here: the training's wait times out and launches the run again, under a new test id.
            LogUndelivered(logger, launch.GuardianId, launch.TestId, e.HttpRequestError.ToString());
            return (null, $"the {Tool} webhook could not be reached: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogUndelivered(logger, launch.GuardianId, launch.TestId, "timeout");
            return (null, $"the {Tool} webhook did not answer in time");
        }
    }

    private static Task<LoadTestLaunchResult> Refused(string detail) => Task.FromResult(new LoadTestLaunchResult(false, detail));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in load test {TestId} of {Guardian} started: {Requests} requests at {Rate}/s")]
    private static partial void LogStarted(ILogger logger, string guardian, string testId, int requests, int rate);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in load test {TestId} of {Guardian} was launched again; the run already started is kept")]
    private static partial void LogRepeated(ILogger logger, string guardian, string testId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built-in load test {TestId} of {Guardian}: the result webhook answered HTTP {StatusCode}")]
    private static partial void LogDelivered(ILogger logger, string guardian, string testId, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Built-in load test {TestId} of {Guardian}: the result was not delivered ({Error})")]
    private static partial void LogUndelivered(ILogger logger, string guardian, string testId, string error);
}

/// <summary>Registers the built-in launcher: the demo's composition only, never a production host.</summary>
public static class BuiltInLoadTestLauncherServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="BuiltInLoadTestLauncher"/> over <paramref name="tests"/> (owned and disposed by the caller) as an
    /// <see cref="ILoadTestLauncher"/>, beside the host's own launchers.
    /// </summary>
    public static IServiceCollection AddBuiltInLoadTestLauncher(this IServiceCollection services, BuiltInLoadTests tests)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(tests);
        services.AddSingleton(tests);
        // The result goes to this host's own load-test webhook; the answer's body is never read.
        services.AddHttpClient<BuiltInLoadTestLauncher>(client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddTransient<ILoadTestLauncher>(sp => sp.GetRequiredService<BuiltInLoadTestLauncher>());
        return services;
    }
}
