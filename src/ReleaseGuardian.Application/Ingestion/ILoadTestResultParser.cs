using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// Normalises one load-test tool's result document into a <see cref="LoadTestFinished"/>. The guardian id,
/// purpose and window come from the document where it has them, else from the query parameters
/// <c>guardian</c>, <c>purpose</c>, <c>start</c>, <c>end</c> (or headers <c>X-Guardian-Id</c>,
/// <c>X-Guardian-Purpose</c>, <c>X-Guardian-Window-Start</c>, <c>X-Guardian-Window-End</c>).
/// Pure: no I/O.
/// </summary>
public interface ILoadTestResultParser
{
    /// <summary>The tool name in the route: k6, jmeter, gatling, locust, artillery, azureloadtesting.</summary>
    string Tool { get; }

    /// <summary>Parses an already-authenticated delivery. <paramref name="now"/> stands in for a missing window end.</summary>
    LoadTestParseOutcome Parse(WebhookRequest request, DateTimeOffset now);
}

/// <summary>What a load-test result delivery amounts to.</summary>
public abstract record LoadTestParseOutcome
{
    private LoadTestParseOutcome()
    {
    }

    /// <summary>A finished load test.</summary>
    /// <param name="Result">The normalised result.</param>
    /// <param name="EndFromPayload">True when <see cref="LoadTestFinished.End"/> was read from the result document, so a
    /// redelivery yields the same end; false when it came from a query parameter, a header or <c>now</c>
    /// (see <see cref="InboundEvent.TimeFromPayload"/>).</param>
    public sealed record Accepted(LoadTestFinished Result, bool EndFromPayload = false) : LoadTestParseOutcome;

    /// <summary>Rejected; store nothing.</summary>
    /// <param name="Problem">What was wrong, naming the field.</param>
    public sealed record Rejected(IngestProblem Problem) : LoadTestParseOutcome;
}
