using System.Net;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>POST /api/webhooks/loadtests/{tool} over real HTTP against Azurite, read back through the timeline.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LoadTestWebhookTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private const string Secret = "lt-secret-9f3b";
    private const string Start = "2026-11-24T10:00:00Z";
    private const string End = "2026-11-24T10:01:00Z";
    private GuardianServer? _server;

    /// <summary>tool, sample, the query each needs besides the guardian, and the p95 and request count it must yield.</summary>
    public static TheoryData<string, string, string, double, double, string> Tools() => new()
    {
        { "k6", "k6-handle-summary.json", $"end={End}", 512.3, 1158, "validation" },
        { "k6", "k6-summary-export.json", $"start={Start}&end={End}&purpose=training", 512.3, 1158, "training" },
        { "jmeter", "jmeter-statistics.json", $"start={Start}&end={End}", 520, 1200, "validation" },
        { "gatling", "gatling-stats.json", $"start={Start}&end={End}", 512, 1158, "validation" },
        { "locust", "locust.json", "purpose=training", 900, 20, "training" },
        { "artillery", "artillery-report.json", "", 487.9, 1200, "validation" },
        { "azureloadtesting", "azureloadtesting-run.json", "", 560, 6000, "validation" },
    };

    private async Task<GuardianServer> StartAsync(string tool, string? secret = Secret)
    {
        _server = IngestionServer.Start(azurite, ($"Webhooks:{tool}:Secret", secret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId);
        return _server;
    }

    private static WebhookRequest SignedRequest(byte[] body, string secret = Secret, IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            [GuardianSignature.HeaderName] = "sha256=" + HmacSignature.ComputeHex(secret, body),
        };
        return Request(body, headers: all);
    }

    private static string Route(string tool, string guardian, string query) =>
        $"/api/webhooks/loadtests/{tool}?guardian={guardian}" + (query.Length == 0 ? "" : "&" + query);

    private async Task<IReadOnlyList<TimelineItem>> TimelineAsync(string guardianId = GuardianId)
    {
        using var management = _server!.Management();
        return await management.TimelineAsync(guardianId);
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task A_signed_result_is_accepted_with_an_instance_and_is_on_the_guardians_timeline_with_its_signals(
        string tool, string file, string query, double p95, double requests, string purpose)
    {
        var server = await StartAsync(tool);
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(tool, GuardianId, query), SignedRequest(LoadTestPayload(file)));

        var accepted = Assert.Single(answer.AssertAccepted(1));
        Assert.Equal("releaseguardian.loadtest.finished.v1", accepted.GetProperty("type").GetString());
        Assert.Equal(GuardianId, accepted.GetProperty("guardian").GetString());
        var instanceId = accepted.GetProperty("instanceId").GetString()!;
        Assert.StartsWith(GuardianId + ":lt-", instanceId, StringComparison.Ordinal);
        var statusUri = new Uri(accepted.GetProperty("statusQueryGetUri").GetString()!);
        Assert.Equal(client.BaseAddress!.Authority, statusUri.Authority);
        Assert.Equal("/runtime/webhooks/durabletask/instances/" + Uri.EscapeDataString(instanceId), statusUri.AbsolutePath);

        var entry = Assert.Single(await TimelineAsync());
        Assert.Equal("loadTest", entry.Kind);
        Assert.Equal(accepted.GetProperty("id").GetString(), entry.Id);
        Assert.Equal(instanceId, GuardianId + ":lt-" + entry.Data.GetProperty("testId").GetString());
        Assert.Equal(GuardianId, entry.Data.GetProperty("guardian").GetString());
        Assert.Equal(tool, entry.Data.GetProperty("tool").GetString());
        Assert.Equal(purpose, entry.Data.GetProperty("purpose").GetString());
        var signals = entry.Data.GetProperty("signals");
        Assert.Equal(p95, signals.GetProperty("latency.p95").GetDouble(), 6);
        Assert.Equal(requests, signals.GetProperty("traffic.requests").GetDouble(), 6);
        Assert.True(signals.TryGetProperty("errors.rate", out _), "errors.rate is on the timeline");
    }

    [Fact]
    public async Task The_guardian_purpose_and_window_can_come_in_X_Guardian_headers()
    {
        var server = await StartAsync("jmeter");
        var headers = new Dictionary<string, string>
        {
            ["X-Guardian-Id"] = GuardianId,
            ["X-Guardian-Purpose"] = "training",
            ["X-Guardian-Window-Start"] = Start,
            ["X-Guardian-Window-End"] = End,
            ["X-Guardian-Test-Id"] = "jmeter-nightly-42",
        };
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/webhooks/loadtests/jmeter", SignedRequest(LoadTestPayload("jmeter-statistics.json"), headers: headers));

        var accepted = Assert.Single(answer.AssertAccepted(1));
        Assert.Equal($"{GuardianId}:lt-jmeter-nightly-42", accepted.GetProperty("instanceId").GetString());
        var data = Assert.Single(await TimelineAsync()).Data;
        Assert.Equal(("training", "jmeter-nightly-42"), (data.GetProperty("purpose").GetString(), data.GetProperty("testId").GetString()));
        Assert.Equal(DateTimeOffset.Parse(Start, System.Globalization.CultureInfo.InvariantCulture), data.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse(End, System.Globalization.CultureInfo.InvariantCulture), data.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(520, data.GetProperty("signals").GetProperty("latency.p95").GetDouble());
    }

    [Fact]
    public async Task A_result_naming_service_and_flag_instead_of_a_guardian_lands_on_the_guardian_protecting_them()
    {
        _server = IngestionServer.Start(azurite, ("Webhooks:artillery:Secret", Secret));
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));
        using var client = _server.Anonymous();

        var answer = await client.PostAsync("/api/webhooks/loadtests/artillery?service=checkout&flag=new-checkout", SignedRequest(LoadTestPayload("artillery-report.json")));

        var accepted = Assert.Single(answer.AssertAccepted(1));
        Assert.Equal(GuardianId, accepted.GetProperty("guardian").GetString());
        Assert.StartsWith(GuardianId + ":lt-", accepted.GetProperty("instanceId").GetString(), StringComparison.Ordinal);
        Assert.Equal("loadTest", Assert.Single(await TimelineAsync()).Kind);
    }

    [Fact]
    public async Task A_result_naming_a_service_no_guardian_protects_is_answered_404_naming_guardian()
    {
        var server = await StartAsync("artillery");
        using var client = server.Anonymous();

        var answer = await client.PostAsync("/api/webhooks/loadtests/artillery?service=payments&flag=new-checkout", SignedRequest(LoadTestPayload("artillery-report.json")));

        answer.AssertProblem(HttpStatusCode.NotFound, "guardian");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_result_for_an_unknown_guardian_is_answered_404_naming_guardian_and_nothing_is_stored()
    {
        var server = await StartAsync("artillery");
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("artillery", "ghost", ""), SignedRequest(LoadTestPayload("artillery-report.json")));

        answer.AssertProblem(HttpStatusCode.NotFound, "guardian");
        using var management = server.Management();
        await management.PutGuardianAsync("ghost");
        Assert.Empty(await TimelineAsync("ghost"));
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_tampered_body_is_rejected_with_401_naming_X_Guardian_Signature_and_nothing_is_stored()
    {
        var server = await StartAsync("k6");
        var signed = SignedRequest(LoadTestPayload("k6-handle-summary.json"));
        var tampered = signed with { Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(signed.Body.Span).Replace("512.3", "112.3", StringComparison.Ordinal)) };
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("k6", GuardianId, $"end={End}"), tampered);

        answer.AssertProblem(HttpStatusCode.Unauthorized, GuardianSignature.HeaderName);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_result_signed_with_the_wrong_secret_is_rejected_with_401_and_nothing_is_stored()
    {
        var server = await StartAsync("locust");
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("locust", GuardianId, ""), SignedRequest(LoadTestPayload("locust.json"), secret: "guessed"));

        answer.AssertProblem(HttpStatusCode.Unauthorized, GuardianSignature.HeaderName);
        Assert.DoesNotContain(Secret, answer.Body, StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_tool_with_no_secret_configured_refuses_the_result_with_401()
    {
        var server = await StartAsync("gatling", secret: null);
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("gatling", GuardianId, $"start={Start}&end={End}"), SignedRequest(LoadTestPayload("gatling-stats.json")));

        answer.AssertProblem(HttpStatusCode.Unauthorized, GuardianSignature.HeaderName);
        Assert.Contains("Webhooks:gatling:Secret", answer.Body, StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task An_unknown_tool_is_answered_404_naming_tool()
    {
        var server = await StartAsync("k6");
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("loadrunner", GuardianId, ""), SignedRequest(LoadTestPayload("k6-handle-summary.json")));

        answer.AssertProblem(HttpStatusCode.NotFound, "tool");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_replayed_result_gets_the_same_answer_and_instance_and_is_stored_once()
    {
        var server = await StartAsync("k6");
        var delivery = SignedRequest(LoadTestPayload("k6-handle-summary.json"));
        using var client = server.Anonymous();

        // No end: the window ends at receipt, so the replay differs in time but is still the same run.
        var first = await client.PostAsync(Route("k6", GuardianId, ""), delivery);
        var second = await client.PostAsync(Route("k6", GuardianId, ""), delivery);

        var accepted = Assert.Single(first.AssertAccepted(1));
        Assert.Equal((first.Status, first.Body), (second.Status, second.Body));
        Assert.Equal(accepted.GetProperty("instanceId").GetString(), Assert.Single(second.AssertAccepted(1)).GetProperty("instanceId").GetString());
        Assert.Single(await TimelineAsync());
    }

    [Fact]
    public async Task A_result_with_a_bad_number_is_rejected_with_400_naming_its_JSON_path()
    {
        var server = await StartAsync("k6");
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(LoadTestPayload("k6-handle-summary.json"))
            .Replace("\"p(95)\": 512.3", "\"p(95)\": -512.3", StringComparison.Ordinal));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("k6", GuardianId, $"end={End}"), SignedRequest(body));

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.Body);
        Assert.Contains("http_req_duration", answer.Json.GetProperty("field").GetString(), StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    public void Dispose() => _server?.Dispose();
}
