namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>
/// Sits inside the retry pipeline and counts the HTTP attempts of one delivery, so that the outcome can
/// say how many were made.
/// </summary>
public sealed class AttemptCountingHandler : DelegatingHandler
{
    /// <summary>Where the counter travels with the request.</summary>
    public static readonly HttpRequestOptionsKey<AttemptCounter> Key = new("ReleaseGuardian.Notifications.Attempts");

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Key, out var counter))
        {
            counter.Increment();
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A thread-safe attempt count.</summary>
public sealed class AttemptCounter
{
    private int _count;

    /// <summary>Attempts so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts one more attempt.</summary>
    public void Increment() => Interlocked.Increment(ref _count);
}
