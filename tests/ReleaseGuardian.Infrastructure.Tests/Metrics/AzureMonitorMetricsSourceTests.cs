using System.Text.Json;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Metrics.MetricsTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Metrics;

public sealed class AzureMonitorMetricsSourceTests
{
    private const string WorkspaceId = "5f1a2b3c-0000-4d5e-8f90-abcdefabcdef";

    private const string GoldenRow = """
        {"tables":[{"name":"PrimaryResult","columns":[
          {"name":"latency.p50","type":"real"},{"name":"latency.p90","type":"real"},{"name":"latency.p95","type":"real"},
          {"name":"latency.p99","type":"real"},{"name":"latency.avg","type":"real"},{"name":"errors.rate","type":"real"},
          {"name":"errors.count","type":"long"},{"name":"traffic.requests","type":"long"},{"name":"traffic.rps","type":"real"},
          {"name":"sample.count","type":"long"}],
          "rows":[[120.5,300,512.3,900.1,150.25,0.12,139,1158,19.3,1100]]}]}
        """;

    private static MetricsSourceSpec Spec(string? table = null, string? roleName = null, double? timeout = null, Dictionary<string, string>? queries = null) =>
        new(MetricsSources.AzureMonitor, WorkspaceId: WorkspaceId, Table: table, RoleName: roleName, TimeoutSeconds: timeout)
        {
            Queries = queries ?? new Dictionary<string, string>(),
        };

    private static Dictionary<string, string?> Endpoint(LoopbackServer server) =>
        new() { ["Metrics:AzureMonitor:Endpoint"] = server.BaseAddress.ToString() };

    private static (string Query, string Timespan) Body(RecordedRequest request)
    {
        using var body = JsonDocument.Parse(request.Body);
        return (body.RootElement.GetProperty("query").GetString()!, body.RootElement.GetProperty("timespan").GetString()!);
    }

    [Fact]
    public async Task The_golden_signals_come_from_one_query_with_a_bearer_token_and_the_window_as_timespan()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, GoldenRow));
        var credential = new FixedTokenCredential("token-123");
        await using var services = Services(Endpoint(server), credential);
        var guardian = Guardian(Spec(roleName: "checkout-api"), SignalNames.LatencyP95, SignalNames.ErrorsRate, SignalNames.TrafficRequests);

        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Empty(measured.Failures);
        Assert.Equal(512.3, measured.Values[SignalNames.LatencyP95]);
        Assert.Equal(0.12, measured.Values[SignalNames.ErrorsRate]);
        Assert.Equal(1158, measured.Values[SignalNames.TrafficRequests]);

        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v1/workspaces/{WorkspaceId}/query", request.Path);
        Assert.Equal("Bearer token-123", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal(["https://api.loganalytics.io/.default"], credential.Scopes.Distinct());

        var (query, timespan) = Body(request);
        Assert.Equal("2026-11-24T10:00:00.000Z/2026-11-24T10:01:00.000Z", timespan);
        Assert.StartsWith("AppRequests\n| where TimeGenerated >= datetime(2026-11-24T10:00:00.000Z) and TimeGenerated < datetime(2026-11-24T10:01:00.000Z)\n| where AppRoleName == \"checkout-api\"\n", query);
        Assert.Contains("requests = sum(ItemCount)", query);
        Assert.Contains("failed = sumif(ItemCount, Success == false)", query);
        Assert.Contains("p95 = percentilew(DurationMs, ItemCount, 95)", query);
        Assert.Contains("['traffic.rps'] = todouble(requests) / 60", query);
        Assert.Equal(query, measured.Queries[SignalNames.LatencyP95]);
        Assert.Equal(query, measured.Queries[SignalNames.ErrorsRate]);
    }

    [Fact]
    public async Task The_classic_requests_table_uses_its_own_columns_and_no_role_filter_when_none_is_given()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, GoldenRow));
        await using var services = Services(Endpoint(server), new FixedTokenCredential("t"));

        var measured = await MeasureAsync(services, Request(Guardian(Spec(table: "requests"), SignalNames.LatencyP99)));

        Assert.Equal(900.1, measured.Values[SignalNames.LatencyP99]);
        var (query, _) = Body(Assert.Single(server.Requests));
        Assert.StartsWith("requests\n| where timestamp >= datetime(2026-11-24T10:00:00.000Z) and timestamp < datetime(2026-11-24T10:01:00.000Z)\n| summarize", query);
        Assert.Contains("failed = sumif(itemCount, tobool(success) == false)", query);
        Assert.Contains("p99 = percentilew(duration, itemCount, 99)", query);
        Assert.DoesNotContain("cloud_RoleName", query);
    }

    [Fact]
    public async Task A_custom_signal_runs_its_own_query_alongside_the_golden_one()
    {
        await using var server = await LoopbackServer.StartAsync((request, context) =>
            Json(context, Body(request).Query.StartsWith("customEvents", StringComparison.Ordinal)
                ? """{"tables":[{"name":"PrimaryResult","columns":[{"name":"orders","type":"long"}],"rows":[[42]]}]}"""
                : GoldenRow));
        await using var services = Services(Endpoint(server), new FixedTokenCredential("t"));
        var spec = Spec(roleName: "shop", queries: new() { ["orders"] = "customEvents | where cloud_RoleName == \"{roleName}\" and timestamp > datetime({start}) | summarize count() // {window}" });

        var measured = await MeasureAsync(services, Request(Guardian(spec, "orders", SignalNames.LatencyP95)));

        Assert.Equal(42, measured.Values["orders"]);
        Assert.Equal(512.3, measured.Values[SignalNames.LatencyP95]);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains(
            "customEvents | where cloud_RoleName == \"shop\" and timestamp > datetime(2026-11-24T10:00:00.000Z) | summarize count() // 60s",
            server.Requests.Select(r => Body(r).Query));
    }

    [Fact]
    public async Task A_custom_signal_without_a_query_fails_naming_where_the_query_goes()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, GoldenRow));
        await using var services = Services(Endpoint(server), new FixedTokenCredential("t"));

        var measured = await MeasureAsync(services, Request(Guardian(Spec(), "orders")));

        Assert.Contains("metrics.queries[\"orders\"]", measured.Failures["orders"]);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"latency.p95","type":"real"}],"rows":[]}]}""", 200, "no rows (no data in the window)")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"latency.p95","type":"real"}],"rows":[[null]]}]}""", 200, "column 'latency.p95' is null (no requests in the window?)")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"latency.p95","type":"real"}],"rows":[["NaN"]]}]}""", 200, "column 'latency.p95' is NaN")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"errors.rate","type":"real"}],"rows":[[0.1]]}]}""", 200, "the result has no column 'latency.p95'")]
    [InlineData("""{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query."}}}""", 400, "Log Analytics refused the query: BadArgumentError: The request had some invalid properties (SyntaxError: A recognition error occurred in the query.)")]
    [InlineData("""{"error":{"code":"PathNotFoundError","message":"The requested path does not exist"}}""", 404, "Log Analytics refused the query: PathNotFoundError: The requested path does not exist")]
    [InlineData("""{"tables":[{"name":"PrimaryResult","columns":[{"name":"latency.p95","type":"real"}],"rows":[[1.5]]}],"error":{"code":"PartialError","message":"There were some errors when processing your query."}}""", 200, "PartialError: There were some errors when processing your query.")]
    [InlineData("", 503, "Log Analytics did not answer the query successfully")]
    public async Task An_answer_without_a_number_for_the_signal_is_a_failure_with_the_reason(string body, int status, string reason)
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, body, status));
        await using var services = Services(Endpoint(server), new FixedTokenCredential("t"));

        var measured = await MeasureAsync(services, Request(Guardian(Spec(), SignalNames.LatencyP95)));

        Assert.Empty(measured.Values);
        Assert.Equal(reason, measured.Failures[SignalNames.LatencyP95]);
    }

    [Fact]
    public async Task A_hanging_workspace_is_a_timeout_failure_for_every_signal_it_owed()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Hang(context));
        await using var services = Services(Endpoint(server), new FixedTokenCredential("t"));
        var spec = Spec(timeout: 2, queries: new() { ["orders"] = "customEvents | count" });

        var measured = await MeasureAsync(services, Request(Guardian(spec, SignalNames.LatencyP95, SignalNames.ErrorsRate, "orders")));

        Assert.Empty(measured.Values);
        Assert.All(measured.Failures.Values, reason => Assert.Equal("timed out after 2s", reason));
        Assert.Equal(3, measured.Failures.Count);
    }

    [Fact]
    public async Task A_credential_that_cannot_get_a_token_is_a_failure_and_nothing_is_sent()
    {
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, GoldenRow));
        await using var services = Services(Endpoint(server), new BrokenCredential());

        var measured = await MeasureAsync(services, Request(Guardian(Spec(), SignalNames.LatencyP95)));

        Assert.Equal("could not get a Log Analytics token: no identity here", measured.Failures[SignalNames.LatencyP95]);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData(null, "bogus", "metrics.workspaceId is required for azuremonitor")]
    [InlineData(WorkspaceId, "traces", "metrics.table must be AppRequests or requests")]
    public async Task A_misconfigured_source_fails_every_signal_naming_the_field(string? workspaceId, string table, string reason)
    {
        await using var services = Services(credential: new FixedTokenCredential("t"));
        var spec = new MetricsSourceSpec(MetricsSources.AzureMonitor, WorkspaceId: workspaceId, Table: table);

        var measured = await MeasureAsync(services, Request(Guardian(spec, SignalNames.LatencyP95)));

        Assert.Equal(reason, measured.Failures[SignalNames.LatencyP95]);
    }

    [Fact]
    public void The_default_endpoint_is_the_public_Log_Analytics_API()
    {
        Assert.Equal("https://api.loganalytics.azure.com", new AzureMonitorMetricsOptions().Endpoint);
    }

    private sealed class BrokenCredential : Azure.Core.TokenCredential
    {
        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no identity here");

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no identity here");
    }
}
