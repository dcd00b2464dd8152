using BenchmarkDotNet.Attributes;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using ReleaseGuardian.Infrastructure.Ingestion.Flags;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

namespace ReleaseGuardian.Benchmarks.Ingestion;

/// <summary>Signature verification plus parsing, as <c>IngestionService</c> does it per delivery (no storage).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class IngestionBenchmarks
{
    private static readonly WebhookSecurity Security = new(Deliveries.Secret);
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly LaunchDarklyWebhookAdapter _launchDarkly = new();
    private readonly ConfigCatWebhookAdapter _configCat = new();
    private readonly K6SummaryParser _k6 = new();
    private WebhookRequest _launchDarklyRequest = null!;
    private WebhookRequest _configCatRequest = null!;
    private WebhookRequest _k6Request = null!;
    private WebhookRequest _batchRequest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _launchDarklyRequest = Deliveries.LaunchDarkly(Deliveries.LaunchDarklyBody("65a1f0c2e4b0a1d2c3f4a5b6", Now.AddMinutes(-1)));
        _configCatRequest = Deliveries.ConfigCat(Now);
        _k6Request = Deliveries.K6(Deliveries.K6Summary(200 * 1024));
        _batchRequest = Deliveries.CloudEvents(Deliveries.CloudEventsBatch(100));

        // A benchmark of a rejection would measure nothing useful: insist every input is accepted.
        Require(_launchDarkly.Handle(_launchDarklyRequest, Security, Now) is FlagWebhookOutcome.Accepted, "LaunchDarkly");
        Require(_configCat.Handle(_configCatRequest, Security, Now) is FlagWebhookOutcome.Accepted { Changes.Count: 2 }, "ConfigCat");
        Require(K6_200KB_summary() is LoadTestParseOutcome.Accepted, $"k6 ({_k6Request.Body.Length} bytes)");
        Require(CloudEvents_batch_of_100() is { IsAccepted: true, Events.Count: 100 }, "CloudEvents batch");
    }

    private static void Require(bool accepted, string what)
    {
        if (!accepted)
        {
            throw new InvalidOperationException($"The {what} benchmark input is not accepted.");
        }
    }

    [Benchmark]
    public FlagWebhookOutcome LaunchDarkly_webhook() => _launchDarkly.Handle(_launchDarklyRequest, Security, Now);

    [Benchmark]
    public FlagWebhookOutcome ConfigCat_webhook() => _configCat.Handle(_configCatRequest, Security, Now);

    [Benchmark]
    public LoadTestParseOutcome K6_200KB_summary() =>
        GuardianSignature.Verify(_k6Request, Security, K6SummaryParser.ToolName) is null
            ? _k6.Parse(_k6Request, Now)
            : throw new InvalidOperationException("k6 signature rejected");

    [Benchmark]
    public CloudEventsReadResult CloudEvents_batch_of_100() =>
        GuardianSignature.Verify(_batchRequest, Security, "events") is null
            ? CloudEventsReader.Read(_batchRequest)
            : throw new InvalidOperationException("CloudEvents signature rejected");
}
