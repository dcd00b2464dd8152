using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Infrastructure.LoadTesting;

/// <summary>
/// <c>{"launcher":"http","url":...,"tool":"k6"}</c>: POSTs <c>{"guardian","testId","purpose","resultUrl"}</c> to the
/// guardian's URL, signed <c>X-Guardian-Signature: sha256=&lt;hex HMAC-SHA256(Webhooks:{tool}:Secret, raw body)&gt;</c>, the
/// same secret the tool's result is verified with. Any CI system or test runner can start the test and post the tool's
/// summary to <c>resultUrl</c>. A 2xx answer means launched; the answer's body is never read. The URL must be on the
/// operator's allow-list <c>LoadTest:AllowedUrls</c> (<see cref="LoadTestDestinations"/>), checked at PUT and again here.
/// </summary>
public sealed partial class HttpLoadTestLauncher(
    HttpClient http, IWebhookSecuritySettings secrets, LoadTestResultUrls resultUrls, LoadTestAllowList allowList,
    ILogger<HttpLoadTestLauncher> logger) : ILoadTestLauncher
{
    /// <inheritdoc />
    public string Kind => LoadTestLaunchers.Http;

    /// <inheritdoc />
    public async Task<LoadTestLaunchResult> LaunchAsync(LoadTestLaunch launch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);

        // Checked again at launch: the definition may have been stored before the operator changed the list.
        if (allowList.ProblemWith(launch.Spec.Url) is { } notAllowed)
        {
            LogRefused(logger, launch.GuardianId, launch.TestId);
            return new LoadTestLaunchResult(false, notAllowed + "; nothing was sent");
        }

        var tool = launch.Spec.Tool ?? "";
        var secret = secrets.For(tool).Secret;
        if (string.IsNullOrEmpty(secret))
        {
            return new LoadTestLaunchResult(false, $"Webhooks:{tool}:Secret is not configured, so the launch cannot be signed nor its result verified");
        }

        if (resultUrls.For(tool, launch.GuardianId, launch.TestId, launch.Purpose) is not { } resultUrl)
        {
            return new LoadTestLaunchResult(false, "Api:PublicBaseUrl is not configured, so there is no result URL to hand to the test runner");
        }

        if (!Uri.TryCreate(launch.Spec.Url, UriKind.Absolute, out var target))
        {
            return new LoadTestLaunchResult(false, "loadTest.url is not an absolute URL");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new LaunchBody(launch.GuardianId, launch.TestId, launch.Purpose, resultUrl), LauncherJson.Default.LaunchBody);
        using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(GuardianSignature.HeaderName, GuardianSignature.Sign(secret, body));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            LogLaunch(logger, launch.GuardianId, launch.TestId, target.Host, code);
            return response.IsSuccessStatusCode
                ? new LoadTestLaunchResult(true, $"{target.Host} accepted the launch ({code})")
                : new LoadTestLaunchResult(false, $"{target.Host} refused the launch ({code})");
        }
        catch (HttpRequestException e)
        {
            return new LoadTestLaunchResult(false, $"{target.Host} could not be reached: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new LoadTestLaunchResult(false, $"{target.Host} did not answer in time");
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning, Message = "Load test {TestId} of {Guardian} not launched: its loadTest.url is not on LoadTest:AllowedUrls")]
    private static partial void LogRefused(ILogger logger, string guardian, string testId);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Load test {TestId} of {Guardian} launched at {Host}: HTTP {StatusCode}")]
    private static partial void LogLaunch(ILogger logger, string guardian, string testId, string host, int statusCode);
}

/// <summary>The launch body: what the test runner needs to start the test and post its result.</summary>
/// <param name="Guardian">The guardian.</param>
/// <param name="TestId">The test id the result must carry.</param>
/// <param name="Purpose">training or validation.</param>
/// <param name="ResultUrl">Where to POST the tool's summary (the tool's load-test webhook, with guardian, testId and purpose in its query).</param>
public sealed record LaunchBody(string Guardian, string TestId, string Purpose, string ResultUrl);

[JsonSerializable(typeof(LaunchBody))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class LauncherJson : JsonSerializerContext;

/// <summary>
/// The load-test webhook URL of a tool, with guardian, testId and purpose in its query, on the public base URL
/// (<c>Api:PublicBaseUrl</c>, else <c>Guardian:PublicBaseUrl</c>, else what the host knows of its own address).
/// </summary>
public sealed class LoadTestResultUrls(Func<string?> publicBaseUrl)
{
    /// <summary>The result URL, or null when no public base URL is known.</summary>
    public string? For(string tool, string guardian, string testId, string purpose)
    {
        var baseUrl = publicBaseUrl()?.TrimEnd('/');
        if (string.IsNullOrEmpty(baseUrl))
        {
            return null;
        }

        var path = HttpRoutes.LoadTestWebhook.Replace("{tool}", Uri.EscapeDataString(tool), StringComparison.Ordinal);
        return $"{baseUrl}/{path}?guardian={Uri.EscapeDataString(guardian)}&testId={Uri.EscapeDataString(testId)}&purpose={Uri.EscapeDataString(purpose)}";
    }
}
