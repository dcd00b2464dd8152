using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;

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
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return Finish(target, redacted, status, null, attempts);
            }

            var answer = await response.Content.ReadAsStringAsync(ct);
            var error = string.IsNullOrWhiteSpace(answer) ? $"HTTP {status}" : $"HTTP {status}: {Shorten(answer)}";
            return Finish(target, redacted, status, error, attempts);
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
            return Finish(target, redacted, null, $"request failed: {ex.Message}", attempts);
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

    private static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MaxErrorBodyChars ? oneLine : oneLine[..MaxErrorBodyChars] + "…";
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Notification delivered to {TargetType} {Url} after {Attempts} attempt(s)")]
    private static partial void LogDelivered(ILogger logger, string targetType, string url, int attempts);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Notification to {TargetType} {Url} not delivered after {Attempts} attempt(s): {Error}")]
    private static partial void LogUndelivered(ILogger logger, string targetType, string url, int attempts, string error);
}
