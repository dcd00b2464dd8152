namespace ReleaseGuardian.Application.Metrics;

/// <summary>
/// Picks the metrics source a guardian names in <c>metrics.source</c> and measures through it. An unknown
/// source is not an exception: every signal fails with a reason, so the verdict is <c>error</c>.
/// </summary>
public sealed class MetricsSourceCatalog
{
    private readonly Dictionary<string, IMetricsSource> _sources;

    /// <summary>Creates the catalog over every registered source (one per kind; the last registration wins).</summary>
    public MetricsSourceCatalog(IEnumerable<IMetricsSource> sources)
    {
        _sources = new Dictionary<string, IMetricsSource>(StringComparer.OrdinalIgnoreCase);
        foreach (var source in sources)
        {
            _sources[source.Kind] = source;
        }
    }

    /// <summary>The kinds this catalog can measure with.</summary>
    public IReadOnlyCollection<string> Kinds => _sources.Keys;

    /// <summary>The source for <paramref name="kind"/>, or null when none is registered.</summary>
    public IMetricsSource? Find(string kind) => _sources.GetValueOrDefault(kind);

    /// <summary>Measures through the source named by the request's guardian.</summary>
    public Task<SignalMeasurement> MeasureAsync(MetricsRequest request, CancellationToken ct)
    {
        var kind = request.Guardian.Metrics.Source;
        var source = Find(kind);
        if (source is null)
        {
            return Task.FromResult(SignalMeasurement.AllFailed(
                request.Signals,
                $"metrics.source '{kind}' is not available (known: {string.Join(", ", _sources.Keys.Order(StringComparer.Ordinal))})"));
        }

        return source.MeasureAsync(request, ct);
    }
}
