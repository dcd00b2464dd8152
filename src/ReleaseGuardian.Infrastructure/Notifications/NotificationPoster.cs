using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>
/// POSTs a rendered notification through the resilient <see cref="HttpClientName"/> client and turns whatever
/// happens into a <see cref="DeliveryOutcome"/>. URLs only ever appear redacted, in outcomes and in logs.
/// </summary>
public sealed partial class NotificationPoster(IHttpClientFactory httpClientFactory, ILogger<NotificationPoster> logger, TimeProvider? clock = null)
{
    /// <summary>The named HttpClient (with retries) every sender uses.</summary>
    public const string HttpClientName = "ReleaseGuardian.Notifications";

    private const int MaxErrorBodyChars = 200;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>POSTs <paramref name="body"/> as <paramref name="contentType"/> to the target.</summary>
    public async Task<DeliveryOutcome> PostAsync(
        NotifyTarget target,
        string contentType,
        byte[] body,
        IEnumerable<KeyValuePair<string, string>>? headers,
        CancellationToken ct)
    {
        var redacted = NotificationUrl.Redact(target.Url, target.Type);
        if (!Uri.TryCreate(target.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return Finish(target, redacted, null, "url must be an absolute http or https URL", new AttemptCounter());
        }

        var attempts = new AttemptCounter();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            request.Headers.UserAgent.ParseAdd("ReleaseGuardian/1.0");
            foreach (var (name, value) in headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            request.Options.Set(AttemptCountingHandler.Key, attempts);
            var client = httpClientFactory.CreateClient(HttpClientName);
            // Headers only: a target's answer body is never needed to record a delivery, and is never read whole.
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return Finish(target, redacted, status, null, attempts);
            }

            // The answer's text goes to the log only: whatever a target answers must not be readable through the API.
            LogRefusedAnswer(logger, target.Type, redacted, status, NotificationUrl.Scrub(Shorten(await ExcerptAsync(response, ct)), target.Url, target.Type));
            return Finish(target, redacted, status, $"HTTP {status}", attempts);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return Finish(target, redacted, null, "timed out", attempts);
        }
        catch (OperationCanceledException)
        {
            return Finish(target, redacted, null, "timed out", attempts);
        }
        catch (HttpRequestException ex)
        {
            // The transport's message names the address and port; it goes to the log, the outcome gets the policy's reason.
            LogTransportFailure(logger, target.Type, redacted, NotificationUrl.Scrub(ex.Message, target.Url, target.Type));
            return Finish(target, redacted, null, OutboundPolicy.Describe(ex), attempts);
        }
    }

    private DeliveryOutcome Finish(NotifyTarget target, string redacted, int? status, string? error, AttemptCounter attempts)
    {
        var safeError = error is null ? null : NotificationUrl.Scrub(error, target.Url, target.Type);
        var outcome = new DeliveryOutcome(target.Type, redacted, error is null, status, safeError, attempts.Count, _clock.GetUtcNow());
        if (outcome.Delivered)
        {
            LogDelivered(logger, target.Type, redacted, outcome.Attempts);
        }
        else
        {
            LogUndelivered(logger, target.Type, redacted, outcome.Attempts, safeError ?? "");
        }

        return outcome;
    }

    // At most a few KiB of a refusal, for the log.
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[4096];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MaxErrorBodyChars ? oneLine : oneLine[..MaxErrorBodyChars] + "…";
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Notification delivered to {TargetType} {Url} after {Attempts} attempt(s)")]
    private static partial void LogDelivered(ILogger logger, string targetType, string url, int attempts);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Notification target {TargetType} {Url} answered HTTP {Status}: {Answer}")]
    private static partial void LogRefusedAnswer(ILogger logger, string targetType, string url, int status, string answer);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Notification to {TargetType} {Url} failed in transport: {Detail}")]
    private static partial void LogTransportFailure(ILogger logger, string targetType, string url, string detail);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Notification to {TargetType} {Url} not delivered after {Attempts} attempt(s): {Error}")]
    private static partial void LogUndelivered(ILogger logger, string targetType, string url, int attempts, string error);
}
