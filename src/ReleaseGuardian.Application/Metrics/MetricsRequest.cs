using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Application.Metrics;

/// <summary>What a metrics source is asked to measure: which signals, for which guardian, over which window.</summary>
/// <param name="Guardian">The guardian; its <see cref="GuardianDefinition.Metrics"/> says where to look.</param>
/// <param name="Start">The window's start (inclusive).</param>
/// <param name="End">The window's end; instant queries are evaluated here.</param>
/// <param name="Signals">The signals to measure, each with its query override if any.</param>
/// <param name="LoadTestSignals">The signals the load-test result carried (the <c>loadtest</c> source reads these).</param>
public sealed record MetricsRequest(
    GuardianDefinition Guardian,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyList<SignalRequest> Signals,
    IReadOnlyDictionary<string, double>? LoadTestSignals)
{
    /// <summary>The window length (never negative).</summary>
    public TimeSpan Window => End > Start ? End - Start : TimeSpan.Zero;

    /// <summary>
    /// A request for every signal the guardian's objectives judge, once each, in objective order, plus
    /// <c>traffic.requests</c> when an objective has <c>minRequests</c> (it is compared against that).
    /// </summary>
    public static MetricsRequest For(
        GuardianDefinition guardian,
        DateTimeOffset start,
        DateTimeOffset end,
        IReadOnlyDictionary<string, double>? loadTestSignals = null) =>
        new(guardian, start, end, SignalRequest.ForGuardian(guardian), loadTestSignals);
}

/// <summary>One signal to measure.</summary>
/// <param name="Signal">A golden signal name (<see cref="SignalNames"/>) or a custom signal name.</param>
/// <param name="QueryOverride">
/// The query to run instead of the source's default: the objective's <c>query</c>, else
/// <c>metrics.queries[signal]</c>. Required for custom signals on query-based sources.
/// </param>
public sealed record SignalRequest(string Signal, string? QueryOverride = null)
{
    /// <summary>The signals a guardian's objectives need, de-duplicated, with their query overrides.</summary>
    public static IReadOnlyList<SignalRequest> ForGuardian(GuardianDefinition guardian)
    {
        var requests = new List<SignalRequest>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var objective in guardian.Objectives)
        {
            if (seen.Add(objective.Signal))
            {
                requests.Add(new SignalRequest(objective.Signal, QueryFor(guardian, objective.Signal, objective.Query)));
            }
        }

        if (guardian.Objectives.Any(o => o.MinRequests is not null) && seen.Add(SignalNames.TrafficRequests))
        {
            requests.Add(new SignalRequest(SignalNames.TrafficRequests, QueryFor(guardian, SignalNames.TrafficRequests, null)));
        }

        return requests;
    }

    private static string? QueryFor(GuardianDefinition guardian, string signal, string? objectiveQuery)
    {
        if (!string.IsNullOrWhiteSpace(objectiveQuery))
        {
            return objectiveQuery;
        }

        return guardian.Metrics.Queries.TryGetValue(signal, out var query) && !string.IsNullOrWhiteSpace(query) ? query : null;
    }
}
