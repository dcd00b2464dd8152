using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Infrastructure.Notifications;

namespace ReleaseGuardian.Infrastructure.Tests.Notifications;

internal static class NotificationTestSupport
{
    public static readonly DateTimeOffset At = new(2026, 11, 24, 10, 2, 0, TimeSpan.Zero);

    public static ChangeUnderTest Change { get; } = new(
        "launchdarkly", "new-checkout", "production", new FlagState(false), new FlagState(true), "alice@example.org",
        new DateTimeOffset(2026, 11, 24, 9, 58, 0, TimeSpan.Zero), "chg-42");

    public static IReadOnlyList<ObjectiveLine> Objectives { get; } =
    [
        new("p95 latency", "latency.p95", ObjectiveStatus.Pass, 512.3, 600, 800, "static thresholds"),
        new("error rate", "errors.rate", ObjectiveStatus.Fail, 0.12, 0.0075, 0.015, "m=0.002 s=0.005 over runs 1-5", Key: true),
        new("traffic", "traffic.requests", ObjectiveStatus.Warning, 1158, 1200, 900, "below the baseline"),
    ];

    public static NotificationMessage RolledBack(IReadOnlyList<ObjectiveLine>? objectives = null) => new(
        "ntf-0001",
        NotificationKind.RolledBack,
        "checkout",
        "Checkout service",
        "run-6",
        Decision.NoGo,
        ObjectiveStatus.Fail,
        66.7,
        objectives ?? Objectives,
        Change,
        ActionTaken.RolledBack(Change, new FlagState(false)),
        new NotificationLinks("https://guardian.example.org/api/guardians/checkout/runs/run-6", "https://guardian.example.org/api/guardians/checkout/status"),
        At);

    public static NotificationMessage Inconclusive() => new(
        "ntf-0002",
        NotificationKind.Inconclusive,
        "checkout",
        "Checkout service",
        "run-7",
        Decision.Inconclusive,
        ObjectiveStatus.Error,
        null,
        [new ObjectiveLine("p95 latency", "latency.p95", ObjectiveStatus.Error, null, 600, 800, "timed out after 2s")],
        null,
        ActionTaken.NotifiedOnly("notified only"),
        new NotificationLinks(),
        At);

    public static ServiceProvider Services(ILoggerProvider? logs = null, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Notifications:RetryBaseDelayMs"] = "1",
            ["Notifications:MaxRetries"] = "2",
            // The targets here are loopback servers, which the outbound policy refuses by default.
            ["Outbound:AllowPrivateNetworks"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddLogging(builder =>
            {
                builder.SetMinimumLevel(LogLevel.Trace);
                if (logs is not null)
                {
                    builder.AddProvider(logs);
                }
            })
            .AddNotificationSenders(configuration)
            .BuildServiceProvider();
    }

    public static INotificationSender Sender(ServiceProvider services, string type) =>
        services.GetServices<INotificationSender>().Single(s => s.TargetType == type);
}

/// <summary>Keeps every log line (message and exception) so a test can check what was written.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}: {formatter(state, exception)} {exception} {state}");
    }
}
