using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

/// <summary>A load test's end counts as payload time only when the result document itself says when the run ended.</summary>
public sealed class LoadTestTimeOriginTests
{
    private static LoadTestParseOutcome.Accepted Accept(ILoadTestResultParser parser, WebhookRequest request) =>
        Assert.IsType<LoadTestParseOutcome.Accepted>(parser.Parse(request, LoadTestParserTests.Now));

    [Fact]
    public void A_document_that_carries_its_window_gives_an_end_from_the_payload()
    {
        var accepted = Accept(new LocustStatsParser(), Request(LoadTestPayload("locust.json"), Query(("guardian", "checkout"))));

        Assert.True(accepted.EndFromPayload);
        Assert.NotEqual(LoadTestParserTests.Now, accepted.Result.End);
    }

    [Fact]
    public void An_end_from_the_query_is_not_payload_time()
    {
        var accepted = Accept(new K6SummaryParser(), Request(
            LoadTestPayload("k6-handle-summary.json"), Query(("guardian", "checkout"), ("end", "2026-11-24T10:01:00Z"))));

        Assert.False(accepted.EndFromPayload);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 1, 0, TimeSpan.Zero), accepted.Result.End);
    }

    [Fact]
    public void An_end_that_falls_back_to_now_is_not_payload_time()
    {
        var accepted = Accept(new K6SummaryParser(), Request(LoadTestPayload("k6-handle-summary.json"), Query(("guardian", "checkout"))));

        Assert.False(accepted.EndFromPayload);
        Assert.Equal(LoadTestParserTests.Now, accepted.Result.End);
    }
}
