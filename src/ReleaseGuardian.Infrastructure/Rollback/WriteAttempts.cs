namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Counts how often one write request actually went out. It travels in the request's options, so the
/// counting handler below the retry handler sees every retry of that request, clones included.
/// </summary>
internal sealed class WriteAttempts
{
    public static readonly HttpRequestOptionsKey<WriteAttempts> Key = new("ReleaseGuardian.Rollback.WriteAttempts");

    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Increment() => Interlocked.Increment(ref _count);

    public void Add(int attempts) => Interlocked.Add(ref _count, attempts);
}

/// <summary>Sits inside the retry handler and counts each attempt of a request that carries <see cref="WriteAttempts"/>.</summary>
internal sealed class WriteAttemptCountingHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(WriteAttempts.Key, out var attempts))
        {
            attempts.Increment();
        }

        return base.SendAsync(request, cancellationToken);
    }
}
