namespace ReleaseGuardian.Core.Chaos;

/// <summary>
/// A finished chaos experiment (Litmus ChaosResult, Chaos Mesh status, or a generic
/// <c>releaseguardian.chaos.finished.v1</c> event) and the resilience verdict it reached.
/// </summary>
/// <param name="GuardianId">The guardian the experiment ran against.</param>
/// <param name="Experiment">The experiment's name.</param>
/// <param name="Verdict">The engine's verdict as it reported it: Pass, Fail, Stopped, Awaited, Recovered, ...</param>
/// <param name="ResilienceScore">Probe success percentage (0..100), where the engine reports one.</param>
/// <param name="Engine">litmus, chaosmesh or generic.</param>
/// <param name="Start">When the experiment started.</param>
/// <param name="End">When it finished.</param>
public sealed record ChaosExperimentFinished(
    string GuardianId,
    string Experiment,
    string Verdict,
    double? ResilienceScore,
    string Engine,
    DateTimeOffset Start,
    DateTimeOffset End);
