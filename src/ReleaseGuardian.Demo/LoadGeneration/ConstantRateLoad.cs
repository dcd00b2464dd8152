using System.Diagnostics;

namespace ReleaseGuardian.Demo.LoadGeneration;

/// <summary>A constant arrival rate: <see cref="RequestsPerSecond"/> requests every second for <see cref="Duration"/>.</summary>
/// <param name="RequestsPerSecond">Requests started per second, whatever the answers take (an open model, like k6's constant-arrival-rate).</param>
/// <param name="Duration">How long requests are started.</param>
/// <param name="Users">
/// The shop's users (<c>user-0001</c> ...), each request a checkout by one of them, in turn, sent as the service's user
/// header; null (default): as many users as the test makes requests, so every user checks out exactly once per load
/// test. A per-user rollout then puts the same users on the new code in every test: what a stage's test sees depends
/// on the flag's bucketing, never on which users a random draw happened to pick.
/// </param>
public sealed record LoadProfile(int RequestsPerSecond, TimeSpan Duration, int? Users = null)
{
    /// <summary>The users the load test checks out as.</summary>
    public int Population => Math.Max(1, Users ?? TotalRequests);

    /// <summary>The name of user <paramref name="number"/> (1-based).</summary>
    public static string UserName(int number) => "user-" + number.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>How many requests the profile starts.</summary>
    public int TotalRequests => (int)Math.Round(RequestsPerSecond * Duration.TotalSeconds);
}

/// <summary>Progress of a running load test.</summary>
/// <param name="Completed">Requests answered (or failed) so far.</param>
/// <param name="Failed">Requests that failed so far.</param>
/// <param name="Total">Requests the profile starts.</param>
public readonly record struct LoadProgress(int Completed, int Failed, int Total);

/// <summary>What a load test measured.</summary>
/// <param name="Start">When the first request was started.</param>
/// <param name="End">When the last answer arrived.</param>
/// <param name="LatenciesMs">Every request's duration in ms as the client saw it, failures included (as k6's http_req_duration).</param>
/// <param name="Failures">Requests answered with a status outside 200-399, or not answered at all.</param>
/// <param name="ServiceTimesMs">
/// Per request, the service's own handling time from its <c>Server-Timing</c> header, or null where it sent none;
/// null as a whole when nothing was recorded.
/// </param>
public sealed record LoadTestResult(
    DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<double> LatenciesMs, int Failures, IReadOnlyList<double?>? ServiceTimesMs = null)
{
    /// <summary>
    /// The latency the guardian judges: each request's service time where the service reported it, else its
    /// client-side duration (a request nobody answered has only that). On a shared machine the client-side time is
    /// mostly the wait for a CPU, which says nothing about the release under test.
    /// </summary>
    public IReadOnlyList<double> ServiceLatenciesMs =>
        ServiceTimesMs is null ? LatenciesMs : LatenciesMs.Select((client, i) => ServiceTimesMs[i] ?? client).ToArray();

    /// <summary>Requests made.</summary>
    public int Requests => LatenciesMs.Count;

    /// <summary>The test's run time.</summary>
    public TimeSpan Elapsed => End - Start;

    /// <summary>Share of failed requests.</summary>
    public double FailureRate => Requests == 0 ? 0 : Failures / (double)Requests;
}

/// <summary>
/// The demo's built-in load generator: starts requests at a constant rate on a concurrent
/// <see cref="HttpClient"/> and records each one's latency and outcome.
/// </summary>
public static class ConstantRateLoad
{
    /// <summary>The header that names the user making a checkout (the checkout service's targeting key).</summary>
    public const string UserHeader = "X-User-Id";

    /// <summary>Runs <paramref name="profile"/> against <paramref name="target"/> (POST with a small JSON basket).</summary>
    public static async Task<LoadTestResult> RunAsync(
        HttpClient client, Uri target, LoadProfile profile, IProgress<LoadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.RequestsPerSecond <= 0 || profile.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(profile), "the rate and the duration must be positive");
        }

        var total = profile.TotalRequests;
        var latencies = new double[total];
        var serviceTimes = new double?[total];
        var failed = new bool[total];
        var completed = 0;
        var failures = 0;
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)profile.RequestsPerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            var index = i;
            inFlight.Add(Task.Run(async () =>
            {
                var began = Stopwatch.GetTimestamp();
                var ok = false;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, target)
                    {
                        Content = new StringContent("""{"basket":[{"sku":"demo-42","quantity":1}]}""", System.Text.Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Add(UserHeader, LoadProfile.UserName(1 + (index % profile.Population)));
                    using var response = await client.SendAsync(request, cancellationToken);
                    ok = (int)response.StatusCode is >= 200 and < 400;
                    serviceTimes[index] = response.Headers.TryGetValues(ServerTiming.HeaderName, out var timing) ? ServerTiming.Parse(timing) : null;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The client's timeout: a request that never got an answer is a failure.
                }

                latencies[index] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                failed[index] = !ok;
                var failedSoFar = ok ? Volatile.Read(ref failures) : Interlocked.Increment(ref failures);
                progress?.Report(new LoadProgress(Interlocked.Increment(ref completed), failedSoFar, total));
            }, cancellationToken));
        }

        await Task.WhenAll(inFlight);
        var end = start + clock.Elapsed;
        return new LoadTestResult(start, end, latencies, failed.Count(f => f), serviceTimes);
    }
}
