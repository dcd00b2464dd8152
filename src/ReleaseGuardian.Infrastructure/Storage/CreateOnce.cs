namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Creates a storage resource (a table, a queue) once per process. A failed or cancelled attempt is forgotten,
/// so storage that was briefly down at start-up never poisons the process: the next caller simply tries again.
/// </summary>
/// <param name="create">The creation, e.g. <c>() =&gt; table.CreateIfNotExistsAsync()</c>.</param>
public sealed class CreateOnce(Func<Task> create)
{
    private readonly Lock _lock = new();
    private Task? _attempt;

    /// <summary>Completes when the resource exists; after the first success this costs nothing.</summary>
    public Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        Task attempt;
        lock (_lock)
        {
            if (_attempt is null || _attempt.IsFaulted || _attempt.IsCanceled)
            {
                _attempt = RunAsync();
            }

            attempt = _attempt;
        }

        // The creation itself is never cancelled by one caller: others may be waiting on it.
        return attempt.IsCompletedSuccessfully ? attempt : attempt.WaitAsync(cancellationToken);
    }

    // Async so that a creation that throws synchronously still becomes a faulted attempt, not a broken lock holder.
    private async Task RunAsync() => await create();
}
