using System.Security.Cryptography;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Infrastructure.Ingestion.LoadTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.LoadTestParserTests;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests;

/// <summary>Guardian, purpose, window and test id: document, then query parameter, then X-Guardian-* header.</summary>
public sealed class RunIdentityTests
{
    private static readonly byte[] Jmeter = LoadTestPayload("jmeter-statistics.json");

    [Fact]
    public void Headers_supply_guardian_purpose_and_window_when_the_query_has_none()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(Jmeter, headers: new Dictionary<string, string>
        {
            ["x-guardian-id"] = "checkout",
            ["X-Guardian-Purpose"] = "Training",
            ["X-Guardian-Window-Start"] = "2026-11-24T10:00:00Z",
            ["X-Guardian-Window-End"] = "2026-11-24T11:01:00+01:00",
        }));

        Assert.Equal("checkout", result.GuardianId);
        Assert.Equal(RunPurpose.Training, result.Purpose);
        Assert.Equal(TenOClock, result.Start);
        Assert.Equal(TenOClock.AddMinutes(1), result.End);
    }

    [Fact]
    public void The_query_wins_over_the_headers()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(
            Jmeter,
            Query(("guardian", "from-query"), ("purpose", "validation"), ("start", "2026-11-24T10:00:00Z")),
            new Dictionary<string, string> { ["X-Guardian-Id"] = "from-header", ["X-Guardian-Purpose"] = "training" }));

        Assert.Equal("from-query", result.GuardianId);
        Assert.Equal(RunPurpose.Validation, result.Purpose);
    }

    [Fact]
    public void The_document_window_wins_over_the_query()
    {
        var result = Accept(new AzureLoadTestingRunParser(), Request(
            LoadTestPayload("azureloadtesting-run.json"),
            Query(("guardian", "checkout"), ("start", "2020-01-01T00:00:00Z"), ("end", "2020-01-01T00:05:00Z"), ("testId", "ignored"))));

        Assert.Equal(TenOClock, result.Start);
        Assert.Equal("checkout-run-20261124-1000", result.TestId);
    }

    [Fact]
    public void A_missing_end_is_now_and_purpose_defaults_to_validation()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(Jmeter, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))));
        Assert.Equal(Now, result.End);
        Assert.Equal(RunPurpose.Validation, result.Purpose);
    }

    [Fact]
    public void Service_and_flag_stand_in_for_the_guardian()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(Jmeter, Query(("service", "checkout"), ("flag", "new-checkout"), ("start", "2026-11-24T10:00:00Z"))));
        Assert.Null(result.GuardianId);
        Assert.Equal("checkout", result.Service);
        Assert.Equal("new-checkout", result.FlagKey);
    }

    [Fact]
    public void Without_a_test_id_the_id_is_the_first_32_hex_characters_of_the_body_SHA256()
    {
        var result = Accept(new JMeterStatisticsParser(), Request(Jmeter, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"))));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Jmeter))[..32], result.TestId);

        var named = Accept(new JMeterStatisticsParser(), Request(Jmeter, Query(("guardian", "checkout"), ("start", "2026-11-24T10:00:00Z"), ("testId", "nightly-42"))));
        Assert.Equal("nightly-42", named.TestId);
    }

    [Theory]
    [InlineData(new string[] { }, "guardian")]
    [InlineData(new[] { "guardian", "Checkout!" }, "guardian")]
    [InlineData(new[] { "guardian", "-checkout" }, "guardian")]
    [InlineData(new[] { "service", "checkout" }, "flag")]
    [InlineData(new[] { "flag", "new-checkout" }, "service")]
    [InlineData(new[] { "guardian", "checkout", "purpose", "smoke" }, "purpose")]
    [InlineData(new[] { "guardian", "checkout", "start", "yesterday" }, "start")]
    [InlineData(new[] { "guardian", "checkout", "end", "24/11/2026" }, "end")]
    [InlineData(new[] { "guardian", "checkout", "start", "2026-11-24T10:00:00Z", "end", "2026-11-24T09:00:00Z" }, "end")]
    public void A_missing_or_invalid_parameter_is_rejected_naming_it(string[] pairs, string field)
    {
        var query = new Dictionary<string, string> { ["start"] = "2026-11-24T09:59:00Z" };
        for (var i = 0; i < pairs.Length; i += 2)
        {
            query[pairs[i]] = pairs[i + 1];
        }

        var problem = Reject(new JMeterStatisticsParser(), Request(Jmeter, query));
        Assert.Equal(field, problem.Field);
    }

    [Fact]
    public void A_bad_header_value_is_rejected_naming_the_header()
    {
        var problem = Reject(new JMeterStatisticsParser(), Request(Jmeter, Query(("guardian", "checkout")), new Dictionary<string, string>
        {
            ["X-Guardian-Window-Start"] = "not a time",
        }));
        Assert.Equal("X-Guardian-Window-Start", problem.Field);
    }

    [Fact]
    public void A_missing_start_without_a_duration_in_the_document_is_rejected_naming_start()
    {
        var problem = Reject(new GatlingStatsParser(), Request(LoadTestPayload("gatling-stats.json"), Query(("guardian", "checkout"))));
        Assert.Equal("start", problem.Field);
        Assert.Contains("gatling", problem.Detail, StringComparison.Ordinal);
    }
}
