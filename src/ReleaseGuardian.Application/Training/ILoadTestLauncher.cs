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
public sealed record LoadTestLaunchResult(bool Launched, string Detail);

/// <summary>Starts load tests of one kind (<see cref="LoadTestLaunchers"/>). Adapters live in Infrastructure.</summary>
public interface ILoadTestLauncher
{
    /// <summary>The <c>loadTest.launcher</c> value this adapter serves.</summary>
    string Kind { get; }

    /// <summary>Starts the test. Safe to call again with the same test id: the engine runs activities at least once.</summary>
    Task<LoadTestLaunchResult> LaunchAsync(LoadTestLaunch launch, CancellationToken cancellationToken);
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
