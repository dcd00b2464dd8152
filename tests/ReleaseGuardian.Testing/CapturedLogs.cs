using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Testing;

/// <summary>
/// A logging provider that keeps every message (formatted, with its scope-free state and the full exception text)
/// in memory, so a test can assert what a host wrote to its logs.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    /// <summary>Every entry so far: "level category: message" followed by the exception's ToString(), if any.</summary>
    public IReadOnlyList<string> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = $"{logLevel} {category}: {formatter(state, exception)}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                // The structured values too: a sink that writes them (OpenTelemetry, JSON console) would expose them.
                text += " " + string.Join(" ", values.Select(v => $"{v.Key}={v.Value}"));
            }

            if (exception is not null)
            {
                text += Environment.NewLine + exception;
            }

            entries.Enqueue(text);
        }
    }
}
