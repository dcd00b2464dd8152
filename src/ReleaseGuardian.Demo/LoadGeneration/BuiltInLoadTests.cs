using System.Collections.Concurrent;

namespace ReleaseGuardian.Demo.LoadGeneration;

/// <summary>One load test the built-in launcher ran, and how its result was delivered.</summary>
/// <param name="TestId">The test id the training instance waits for.</param>
/// <param name="Load">What the load generator measured.</param>
/// <param name="WindowStart">The judged window's start (the load's start, earlier by the scrape margin with Prometheus).</param>
/// <param name="WindowEnd">The judged window's end.</param>
/// <param name="ResultStatus">The HTTP status the load-test webhook answered the result with; null when it was not reached.</param>
/// <param name="Detail">What happened to the result, in plain words.</param>
public sealed record BuiltInLoadTest(
    string TestId, LoadTestResult Load, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, int? ResultStatus, string Detail)
{
    /// <summary>True when ingestion accepted the result (2xx).</summary>
    public bool Delivered => ResultStatus is >= 200 and < 300;
}

/// <summary>
/// The demo's built-in load generator as a launcher runs it: one constant-rate load test per test id against the demo's
/// checkout service, in the background. It keeps every test it started, so a repeated launch of a test id (the engine
/// runs an activity at least once) finds the test already running instead of starting a second one, and so the demo
/// can show what each training run measured.
/// </summary>
/// <param name="load">The client the load goes through (the tests wrap its handler to queue every request).</param>
/// <param name="target">The checkout endpoint.</param>
/// <param name="profile">Each test's rate and duration.</param>
/// <param name="scrapeMargin">
/// Zero when the guardian takes the load test's own numbers. With Prometheus, the wait for the scrapes that cover the
/// load's end, and the margin each side of the judged window, so rate() has several samples in it.
/// </param>
public sealed class BuiltInLoadTests(HttpClient load, Uri target, LoadProfile profile, TimeSpan scrapeMargin) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<BuiltInLoadTest>>> _tests = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Each test's rate and duration.</summary>
    public LoadProfile Profile => profile;

    /// <summary>How many load tests were started (one per test id).</summary>
    public int Started => _tests.Count;

    /// <summary>
    /// Starts the load test <paramref name="testId"/> in the background unless it was started before; when its load is
    /// over, <paramref name="deliver"/> hands the result on and says how that went. Returns at once.
    /// </summary>
    /// <returns>True when this call started the test; false when it had been started already.</returns>
    public bool TryStart(string testId, Func<LoadTestResult, DateTimeOffset, DateTimeOffset, CancellationToken, Task<(int? Status, string Detail)>> deliver)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        var test = new Lazy<Task<BuiltInLoadTest>>(
            () => Task.Run(() => RunAsync(testId, deliver, _stopping.Token)), LazyThreadSafetyMode.ExecutionAndPublication);
        if (!_tests.TryAdd(testId, test))
        {
            return false;
        }

        _ = test.Value;
        return true;
    }

    /// <summary>The test started for <paramref name="testId"/>, finishing once its result was delivered; null when none was.</summary>
    public Task<BuiltInLoadTest>? Find(string testId) => _tests.TryGetValue(testId, out var test) ? test.Value : null;

    /// <summary>Stops the tests still running and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var test in _tests.Values)
        {
            try
            {
                await test.Value;
            }
            catch (OperationCanceledException)
            {
                // Stopped with the demo.
            }
        }

        _stopping.Dispose();
    }

    private async Task<BuiltInLoadTest> RunAsync(
        string testId, Func<LoadTestResult, DateTimeOffset, DateTimeOffset, CancellationToken, Task<(int? Status, string Detail)>> deliver,
        CancellationToken cancellationToken)
    {
        var result = await ConstantRateLoad.RunAsync(load, target, profile, progress: null, cancellationToken);
        if (scrapeMargin > TimeSpan.Zero)
        {
            await Task.Delay(scrapeMargin, cancellationToken);
        }

        var (start, end) = (result.Start - scrapeMargin, result.End + scrapeMargin);
        var (status, detail) = await deliver(result, start, end, cancellationToken);
        return new BuiltInLoadTest(testId, result, start, end, status, detail);
    }
}
