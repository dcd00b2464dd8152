using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

public sealed class CreateOnceTests
{
    [Fact]
    public async Task A_successful_creation_runs_once_however_many_callers_ask()
    {
        var calls = 0;
        var gate = new TaskCompletionSource();
        var once = new CreateOnce(async () => { Interlocked.Increment(ref calls); await gate.Task; });

        var waiting = Enumerable.Range(0, 10).Select(_ => once.EnsureAsync()).ToList();
        gate.SetResult();
        await Task.WhenAll(waiting);
        await once.EnsureAsync();

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_failed_creation_is_forgotten_and_the_next_caller_tries_again()
    {
        var calls = 0;
        var once = new CreateOnce(() => ++calls == 1 ? throw new InvalidOperationException("storage down") : Task.CompletedTask);

        await Assert.ThrowsAsync<InvalidOperationException>(() => once.EnsureAsync());
        await once.EnsureAsync();
        await once.EnsureAsync();

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task One_caller_giving_up_does_not_cancel_the_creation_for_the_others()
    {
        var gate = new TaskCompletionSource();
        var once = new CreateOnce(() => gate.Task);
        using var impatient = new CancellationTokenSource();

        var cancelled = once.EnsureAsync(impatient.Token);
        var patient = once.EnsureAsync();
        await impatient.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await patient;
        Assert.True(patient.IsCompletedSuccessfully);
    }
}
