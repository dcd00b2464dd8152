using System.Globalization;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Metrics;

/// <summary>
/// Runs one query under <c>metrics.timeoutSeconds</c> (default 30). A query that outlives its deadline, or
/// whose transport fails, becomes a failure with a reason; only the caller's own cancellation propagates.
/// </summary>
public static partial class QueryDeadline
{
    /// <summary>The default per-query timeout.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>The per-query timeout a guardian's metrics spec asks for.</summary>
    public static TimeSpan Of(MetricsSourceSpec spec) =>
        spec.TimeoutSeconds is double seconds && seconds > 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds) : Default;

    /// <summary>"timed out after 2s".</summary>
    public static string TimedOut(TimeSpan timeout) =>
        $"timed out after {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";

    /// <summary>Runs <paramref name="query"/> with a token that fires after <paramref name="timeout"/> or when <paramref name="ct"/> does.</summary>
    /// <remarks>
    /// A transport failure's own message (which names the address and port) goes to <paramref name="logger"/>; the
    /// result carries only the outbound policy's reason or a fixed phrase, so a verdict never maps internal ports.
    /// </remarks>
    public static async Task<QueryResult> RunAsync(TimeSpan timeout, Func<CancellationToken, Task<QueryResult>> query, CancellationToken ct, ILogger? logger = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            return await query(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return QueryResult.Fail(TimedOut(timeout));
        }
        catch (HttpRequestException ex)
        {
            return Failed(ex, logger);
        }
        catch (IOException ex)
        {
            return Failed(ex, logger);
        }
    }

    private static QueryResult Failed(Exception ex, ILogger? logger)
    {
        if (logger is not null)
        {
            LogTransportFailure(logger, ex.GetType().Name, ex.Message);
        }

        return QueryResult.Fail(OutboundPolicy.Describe(ex));
    }

    [LoggerMessage(EventId = 4305, Level = LogLevel.Warning, Message = "A metrics query failed in transport: {ExceptionType}: {Detail}")]
    private static partial void LogTransportFailure(ILogger logger, string exceptionType, string detail);
}
