namespace ReleaseGuardian.Core.LoadTests;

/// <summary>
/// A finished load test, normalised from whichever tool ran it (k6, JMeter, Gatling, Locust, Artillery,
/// Azure Load Testing) or from a <c>releaseguardian.loadtest.finished.v1</c> CloudEvent.
/// </summary>
/// <param name="GuardianId">The guardian the test belongs to; null when it is identified by service and flag instead.</param>
/// <param name="Service">The service under test, when the guardian is not named.</param>
/// <param name="FlagKey">The flag under test, when the guardian is not named.</param>
/// <param name="TestId">The tool's id of the test run; with the guardian, the de-dup key.</param>
/// <param name="Tool">k6, jmeter, gatling, locust, artillery, azureloadtesting, or the CloudEvent's tool.</param>
/// <param name="Purpose">Training or validation.</param>
/// <param name="Start">Start of the measured window.</param>
/// <param name="End">End of the measured window.</param>
/// <param name="Signals">Golden (and custom) signals the result carries, keyed by signal name; null when it carries none.</param>
public sealed record LoadTestFinished(
    string? GuardianId,
    string? Service,
    string? FlagKey,
    string TestId,
    string Tool,
    RunPurpose Purpose,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, double>? Signals);
