using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;

/// <summary>
/// The <c>azuremonitor</c> source: KQL over the Log Analytics query REST API
/// (<c>POST {endpoint}/v1/workspaces/{workspaceId}/query</c>), authenticated with a bearer token for
/// <c>https://api.loganalytics.io/.default</c>. The golden signals come from one query; every signal with its
/// own query (a custom signal, or an override) gets one more. All queries run at once.
/// </summary>
public sealed partial class AzureMonitorMetricsSource(
    IHttpClientFactory httpClientFactory,
    TokenCredential credential,
    IOptions<AzureMonitorMetricsOptions> options,
    ILogger<AzureMonitorMetricsSource> logger) : IMetricsSource
{
    /// <summary>The named HttpClient this source uses.</summary>
    public const string HttpClientName = "ReleaseGuardian.Metrics.AzureMonitor";

    /// <inheritdoc />
    public string Kind => MetricsSources.AzureMonitor;

    /// <inheritdoc />
    public async Task<SignalMeasurement> MeasureAsync(MetricsRequest request, CancellationToken ct)
    {
        var spec = request.Guardian.Metrics;
        if (string.IsNullOrWhiteSpace(spec.WorkspaceId))
        {
            return SignalMeasurement.AllFailed(request.Signals, "metrics.workspaceId is required for azuremonitor");
        }

        var table = RequestTable.Named(spec.Table);
        if (table is null)
        {
            return SignalMeasurement.AllFailed(request.Signals, "metrics.table must be AppRequests or requests");
        }

        if (!Uri.TryCreate(options.Value.Endpoint, UriKind.Absolute, out var endpoint))
        {
            return SignalMeasurement.AllFailed(request.Signals, $"{AzureMonitorMetricsOptions.Section}:Endpoint is not an absolute URL");
        }

        var uri = new Uri($"{endpoint.AbsoluteUri.TrimEnd('/')}/v1/workspaces/{Uri.EscapeDataString(spec.WorkspaceId.Trim())}/query");
        var timespan = KqlQueries.Timespan(request.Start, request.End);
        var timeout = QueryDeadline.Of(spec);
        var client = httpClientFactory.CreateClient(HttpClientName);

        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        var golden = new List<string>();
        var own = new List<(string Signal, Task<QueryResult> Result)>();
        foreach (var signal in request.Signals.DistinctBy(s => s.Signal))
        {
            if (!string.IsNullOrWhiteSpace(signal.QueryOverride))
            {
                var query = KqlQueries.Fill(signal.QueryOverride, request, table);
                queries[signal.Signal] = query;
                own.Add((signal.Signal, FirstCellAsync(RunWithDeadlineAsync(client, uri, query, timespan, timeout, ct))));
            }
            else if (SignalNames.IsGolden(signal.Signal))
            {
                golden.Add(signal.Signal);
            }
            else
            {
                failures[signal.Signal] = $"custom signal '{signal.Signal}' needs a KQL query (the objective's query or metrics.queries[\"{signal.Signal}\"]) returning one number";
            }
        }

        Task<LogAnalyticsResponse>? goldenTask = null;
        if (golden.Count > 0)
        {
            var query = KqlQueries.Golden(table, spec.RoleName, request.Start, request.End);
            foreach (var signal in golden)
            {
                queries[signal] = query;
            }

            goldenTask = RunWithDeadlineAsync(client, uri, query, timespan, timeout, ct);
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (goldenTask is not null)
        {
            var response = await goldenTask;
            foreach (var signal in golden)
            {
                Record(signal, response.Cell(signal));
            }
        }

        foreach (var (signal, task) in own)
        {
            Record(signal, await task);
        }

        return new SignalMeasurement(values, failures, queries);

        void Record(string signal, QueryResult result)
        {
            if (result.Value is { } value)
            {
                values[signal] = value;
            }
            else
            {
                failures[signal] = result.Failure ?? "no value";
                LogQueryFailed(logger, request.Guardian.Id, signal, failures[signal]);
            }
        }
    }

    private static async Task<QueryResult> FirstCellAsync(Task<LogAnalyticsResponse> response) => (await response).FirstCell();

    private async Task<LogAnalyticsResponse> RunWithDeadlineAsync(
        HttpClient client, Uri uri, string query, string timespan, TimeSpan timeout, CancellationToken ct)
    {
        LogAnalyticsResponse? response = null;
        var outcome = await QueryDeadline.RunAsync(timeout, async token =>
        {
            response = await RunAsync(client, uri, query, timespan, token);
            return default;
        }, ct, logger);
        return outcome.Failure is { } failure ? LogAnalyticsResponse.Failed(failure) : response ?? LogAnalyticsResponse.Failed("no answer");
    }

    private async Task<LogAnalyticsResponse> RunAsync(HttpClient client, Uri uri, string query, string timespan, CancellationToken ct)
    {
        AccessToken token;
        try
        {
            token = await credential.GetTokenAsync(new TokenRequestContext([AzureMonitorMetricsOptions.Scope]), ct);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            return LogAnalyticsResponse.Failed($"could not get a Log Analytics token: {ex.Message}");
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(Body(query, timespan)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        message.Headers.Accept.ParseAdd("application/json");
        // Parsed as it streams in through the outbound answer cap; the status goes to the log, not the verdict.
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            LogQueryStatus(logger, (int)response.StatusCode);
            var error = await LogAnalyticsResponse.ErrorOfAsync(body, ct);
            return LogAnalyticsResponse.Failed(error is null ? "Log Analytics did not answer the query successfully" : $"Log Analytics refused the query: {error}");
        }

        return await LogAnalyticsResponse.ParseAsync(body, ct);
    }

    private static byte[] Body(string query, string timespan)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("query", query);
            writer.WriteString("timespan", timespan);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    [LoggerMessage(EventId = 4304, Level = LogLevel.Warning, Message = "Log Analytics answered with HTTP {Status}")]
    private static partial void LogQueryStatus(ILogger logger, int status);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "Log Analytics query for guardian {GuardianId} signal {Signal} failed: {Reason}")]
    private static partial void LogQueryFailed(ILogger logger, string guardianId, string signal, string reason);
}
