using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Training;

/// <summary>One load test to start: the guardian, the test id its result will carry, and why it runs.</summary>
/// <param name="GuardianId">The guardian.</param>
/// <param name="TestId">The test id the result must carry (the training instance waits for exactly this one).</param>
/// <param name="Purpose">training or validation.</param>
/// <param name="Spec">The guardian's <c>loadTest</c> section.</param>
public sealed record LoadTestLaunch(string GuardianId, string TestId, string Purpose, LoadTestSpec Spec);

/// <summary>Whether a launcher started the test.</summary>
/// <param name="Launched">True when the launcher accepted the launch (e.g. a 2xx answer).</param>
/// <param name="Detail">What happened, in plain words (never a secret).</param>
/// <param name="Poll">
/// Set by a launcher that polls its run instead of having a result posted to a webhook: the orchestration then polls
/// the run with durable timers through <see cref="IPolledLoadTestLauncher"/> and records its result itself.
/// </param>
public sealed record LoadTestLaunchResult(bool Launched, string Detail, LoadTestPollHandle? Poll = null);

/// <summary>
/// What the orchestration keeps, in its history, of a run it polls: enough to ask the launcher about that run again
/// (the launcher checks every value again before it calls anything), and how long to wait between polls.
/// </summary>
/// <param name="Launcher">The <c>loadTest.launcher</c> kind that started the run.</param>
/// <param name="Endpoint">The service endpoint the run lives on.</param>
/// <param name="RunId">The service's id of the run.</param>
/// <param name="IntervalSeconds">Seconds between two polls (the launcher's setting when it launched).</param>
public sealed record LoadTestPollHandle(string Launcher, string Endpoint, string RunId, int IntervalSeconds);

/// <summary>The states a polled run can be in.</summary>
public static class PolledRunStates
{
    /// <summary>Still queued, provisioning or executing: poll again.</summary>
    public const string Running = "running";

    /// <summary>Ended with complete results.</summary>
    public const string Done = "done";

    /// <summary>Ended without usable results (failed, cancelled, refused): reported like a failed run.</summary>
    public const string Failed = "failed";
}

/// <summary>One look at a polled run.</summary>
/// <param name="State">One of <see cref="PolledRunStates"/>.</param>
/// <param name="Status">The service's own status word (e.g. EXECUTING, DONE, FAILED), or a short reason when it could not be asked.</param>
/// <param name="Detail">What happened, in plain words (never a secret).</param>
public sealed record PolledRunState(string State, string Status, string Detail);

/// <summary>The result of a polled run that ended <see cref="PolledRunStates.Done"/>.</summary>
/// <param name="Tool">The load-test tool name its result is recorded under (the webhook route of the same service).</param>
/// <param name="Start">Start of the measured window.</param>
/// <param name="End">End of the measured window.</param>
/// <param name="Signals">The signals, by the same names the tool's result webhook yields.</param>
/// <param name="Raw">What the service answered, as JSON, kept with the recorded event.</param>
public sealed record PolledRunResult(string Tool, DateTimeOffset Start, DateTimeOffset End, IReadOnlyDictionary<string, double> Signals, string Raw);

/// <summary>Starts load tests of one kind (<see cref="LoadTestLaunchers"/>). Adapters live in Infrastructure.</summary>
public interface ILoadTestLauncher
{
    /// <summary>The <c>loadTest.launcher</c> value this adapter serves.</summary>
    string Kind { get; }

    /// <summary>Starts the test. Safe to call again with the same test id: the engine runs activities at least once.</summary>
    Task<LoadTestLaunchResult> LaunchAsync(LoadTestLaunch launch, CancellationToken cancellationToken);
}

/// <summary>
/// A launcher whose runs the orchestration polls (Azure Load Testing): it answers a <see cref="LoadTestLaunchResult.Poll"/>
/// handle at launch, tells the run's state for it, and reads the finished run's result.
/// </summary>
public interface IPolledLoadTestLauncher : ILoadTestLauncher
{
    /// <summary>Asks for the run's state. A transient failure answers <see cref="PolledRunStates.Running"/> with the reason, so the next poll tries again.</summary>
    Task<PolledRunState> PollAsync(LoadTestPollHandle handle, CancellationToken cancellationToken);

    /// <summary>Reads the signals of a run that ended done; the result is null when they cannot be read, and the detail says why.</summary>
    Task<(PolledRunResult? Result, string Detail)> ReadResultAsync(LoadTestPollHandle handle, CancellationToken cancellationToken);
}

/// <summary>
/// Hands a load test's result to the training instance that launched it. A result for a test id no running training
/// launched wakes nothing: ingestion records it and schedules its evaluation as for any result.
/// </summary>
public interface ITrainingRunWaiters
{
    /// <summary>Raises <see cref="TrainingRuns.EventName"/> to <paramref name="instanceId"/>; false when that instance does not exist or has finished.</summary>
    Task<bool> TryRaiseAsync(string instanceId, LoadTestFinishedNotice notice, CancellationToken cancellationToken);
}

/// <summary>Starts and cancels training instances; each host implements it over its Durable client.</summary>
public interface ITrainingScheduler
{
    /// <summary>Starts <see cref="Workflow.WorkflowNames.BaselineTraining"/> as <paramref name="instanceId"/>.</summary>
    Task StartAsync(string instanceId, TrainingRequest request, CancellationToken cancellationToken);

    /// <summary>Terminates a running training instance; false when there is none or it has finished.</summary>
    Task<bool> CancelAsync(string instanceId, string reason, CancellationToken cancellationToken);
}
