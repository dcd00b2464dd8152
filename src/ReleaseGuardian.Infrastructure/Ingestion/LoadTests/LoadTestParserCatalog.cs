using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>The load-test result parsers by route name (<c>/api/webhooks/loadtests/{tool}</c>); look-ups ignore case.</summary>
public sealed class LoadTestParserCatalog
{
    private readonly Dictionary<string, ILoadTestResultParser> parsers;

    /// <summary>A catalog of <paramref name="parsers"/>; a later parser with the same tool name replaces an earlier one.</summary>
    public LoadTestParserCatalog(IEnumerable<ILoadTestResultParser> parsers)
    {
        ArgumentNullException.ThrowIfNull(parsers);
        this.parsers = new Dictionary<string, ILoadTestResultParser>(StringComparer.OrdinalIgnoreCase);
        foreach (var parser in parsers)
        {
            this.parsers[parser.Tool] = parser;
        }
    }

    /// <summary>Every built-in parser: k6, jmeter, gatling, locust, artillery, azureloadtesting.</summary>
    public static IReadOnlyList<ILoadTestResultParser> BuiltIn { get; } =
    [
        new K6SummaryParser(),
        new JMeterStatisticsParser(),
        new GatlingStatsParser(),
        new LocustStatsParser(),
        new ArtilleryReportParser(),
        new AzureLoadTestingRunParser(),
    ];

    /// <summary>A catalog of the built-in parsers.</summary>
    public static LoadTestParserCatalog Default { get; } = new(BuiltIn);

    /// <summary>The tool names, for the 404 problem of an unknown tool.</summary>
    public IReadOnlyCollection<string> Tools => parsers.Keys;

    /// <summary>The parser for <paramref name="tool"/>, ignoring case.</summary>
    public bool TryGet(string? tool, [NotNullWhen(true)] out ILoadTestResultParser? parser)
    {
        if (tool is null)
        {
            parser = null;
            return false;
        }

        return parsers.TryGetValue(tool, out parser);
    }
}

/// <summary>Registration of the load-test result parsers.</summary>
public static class LoadTestServiceCollectionExtensions
{
    /// <summary>Registers every built-in <see cref="ILoadTestResultParser"/> and the <see cref="LoadTestParserCatalog"/> over all registered parsers.</summary>
    public static IServiceCollection AddLoadTestParsers(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        foreach (var parser in LoadTestParserCatalog.BuiltIn)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(ILoadTestResultParser), parser.GetType()));
        }

        services.TryAddSingleton(sp => new LoadTestParserCatalog(sp.GetServices<ILoadTestResultParser>()));
        return services;
    }
}
