using System.Globalization;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Notifications;

/// <summary>
/// A notification with the evidence behind it: the verdict and every objective, the change under test,
/// what was done about it, and where to look. Every sender renders this one model.
/// </summary>
/// <param name="Id">Unique per notification; the CloudEvents <c>id</c> and the receivers' de-dup key.</param>
/// <param name="Kind">Why it is sent.</param>
/// <param name="GuardianId">The guardian's id.</param>
/// <param name="GuardianName">The guardian's display name.</param>
/// <param name="RunId">The judged run.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Status">The verdict status (worst objective status).</param>
/// <param name="Score">The verdict score 0..100, when any objective was scored.</param>
/// <param name="Objectives">One line per objective, in the guardian's order.</param>
/// <param name="Change">The change under test, when there was one.</param>
/// <param name="Action">What was done about the change.</param>
/// <param name="Links">Where to see more.</param>
/// <param name="At">When the notification was created.</param>
public sealed record NotificationMessage(
    string Id,
    NotificationKind Kind,
    string GuardianId,
    string GuardianName,
    string RunId,
    Decision Decision,
    ObjectiveStatus Status,
    double? Score,
    IReadOnlyList<ObjectiveLine> Objectives,
    ChangeUnderTest? Change,
    ActionTaken Action,
    NotificationLinks Links,
    DateTimeOffset At)
{
    /// <summary>
    /// One line for chat titles and e-mail subjects, e.g.
    /// "No-Go on checkout: error rate 0.12 > failure 0.015; new-checkout rolled back to off".
    /// </summary>
    public string Headline
    {
        get
        {
            var decision = Decision switch
            {
                Decision.Go => "Go",
                Decision.NoGo => "No-Go",
                _ => "Inconclusive",
            };
            var reason = Reason();
            var head = reason is null ? $"{decision} on {GuardianId}" : $"{decision} on {GuardianId}: {reason}";
            return string.IsNullOrWhiteSpace(Action.Summary) ? head : $"{head}; {Action.Summary}";
        }
    }

    /// <summary>The worst objective, in words: the first key failure, else the first fail, else the first error.</summary>
    private string? Reason()
    {
        var worst = Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Fail && o.Key)
            ?? Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Fail)
            ?? Objectives.FirstOrDefault(o => o.Status == ObjectiveStatus.Error);
        return worst?.Describe();
    }
}

/// <summary>One objective's result as a notification shows it.</summary>
/// <param name="Name">The objective's name.</param>
/// <param name="Signal">The signal it judges.</param>
/// <param name="Status">pass, warning, fail, error or info.</param>
/// <param name="Value">The measured value (null when it could not be measured).</param>
/// <param name="Warning">The warning threshold used, if any.</param>
/// <param name="Failure">The failure threshold used, if any.</param>
/// <param name="Explanation">Why it got this status: thresholds and baseline, or the measurement failure.</param>
/// <param name="Key">A key objective: its failure fails the verdict.</param>
public sealed record ObjectiveLine(
    string Name,
    string Signal,
    ObjectiveStatus Status,
    double? Value,
    double? Warning,
    double? Failure,
    string? Explanation,
    bool Key = false)
{
    /// <summary>
    /// The objective in a few words: "error rate 0.12 > failure 0.015" for a fail,
    /// "p95 latency: timed out after 2s" for an error, "traffic 1158" otherwise.
    /// </summary>
    public string Describe()
    {
        if (Status == ObjectiveStatus.Error || Value is null)
        {
            if (string.IsNullOrWhiteSpace(Explanation))
            {
                return $"{Name}: not measured";
            }

            // An explanation that already names its objective is not prefixed twice ("p95 latency: p95 latency: ...").
            return Explanation.StartsWith(Name + ":", StringComparison.Ordinal) ? Explanation : $"{Name}: {Explanation}";
        }

        var value = Value.Value;
        if (Status == ObjectiveStatus.Fail && Failure is { } failure)
        {
            return $"{Name} {Format(value)} {(value >= failure ? ">" : "<")} failure {Format(failure)}";
        }

        if (Status == ObjectiveStatus.Warning && Warning is { } warning)
        {
            return $"{Name} {Format(value)} {(value >= warning ? ">" : "<")} warning {Format(warning)}";
        }

        return $"{Name} {Format(value)}";
    }

    /// <summary>A number as notifications show it: invariant, at most six decimals, no exponent.</summary>
    public static string Format(double value) =>
        double.IsFinite(value) ? value.ToString("0.######", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The flag change a verdict judged. A copy of the audit record without the raw payload and the provider's
/// internal references (which may hold environment keys).
/// </summary>
/// <param name="Provider">The flag service.</param>
/// <param name="FlagKey">The flag key.</param>
/// <param name="Environment">The environment, where the provider has one.</param>
/// <param name="Previous">The state the change replaced, when known.</param>
/// <param name="Current">The state after the change.</param>
/// <param name="Actor">Who made the change, where known.</param>
/// <param name="ChangedAt">When it happened.</param>
/// <param name="ChangeId">The provider's change id (or delivery hash).</param>
public sealed record ChangeUnderTest(
    string Provider,
    string FlagKey,
    string? Environment,
    Core.Flags.FlagState? Previous,
    Core.Flags.FlagState Current,
    string? Actor,
    DateTimeOffset ChangedAt,
    string ChangeId)
{
    /// <summary>The notification's view of a recorded flag change.</summary>
    public static ChangeUnderTest From(Core.Flags.FlagChange change) =>
        new(change.Provider, change.FlagKey, change.Environment, change.Previous, change.Current, change.Actor, change.ChangedAt, change.ChangeId);
}

/// <summary>What was done about the change under test.</summary>
/// <param name="Summary">In a few words, e.g. "new-checkout rolled back to off"; the tail of the headline.</param>
public sealed record ActionTaken(string Summary)
{
    /// <summary>The state the flag was restored to, when it was rolled back.</summary>
    public Core.Flags.FlagState? RestoredTo { get; init; }

    /// <summary>Why the rollback failed, when it did.</summary>
    public string? Error { get; init; }

    /// <summary>What a person has to do by hand, when the rollback failed.</summary>
    public IReadOnlyList<string> ManualSteps { get; init; } = [];

    /// <summary>The change was rolled back to its previous state.</summary>
    public static ActionTaken RolledBack(ChangeUnderTest change, Core.Flags.FlagState restoredTo) =>
        new($"{change.FlagKey} rolled back to {restoredTo}") { RestoredTo = restoredTo };

    /// <summary>The rollback failed; <paramref name="manualSteps"/> say what to do instead.</summary>
    public static ActionTaken RollbackFailed(ChangeUnderTest change, string error, IReadOnlyList<string> manualSteps) =>
        new($"rollback of {change.FlagKey} FAILED, manual action needed") { Error = error, ManualSteps = manualSteps };

    /// <summary>A newer change replaced the change under test, so it was left alone.</summary>
    public static ActionTaken Superseded(ChangeUnderTest change, string? newerChangeId) =>
        new(newerChangeId is null
            ? $"{change.FlagKey} not rolled back: superseded by a newer change"
            : $"{change.FlagKey} not rolled back: superseded by change {newerChangeId}");

    /// <summary>Nothing was rolled back (no change under test, or the policy only notifies).</summary>
    public static ActionTaken NotifiedOnly(string reason) => new(reason);
}

/// <summary>Where to see more.</summary>
/// <param name="RunUrl">The run (verdict and evidence) in the management API.</param>
/// <param name="StatusUrl">The guardian's status.</param>
public sealed record NotificationLinks(string? RunUrl = null, string? StatusUrl = null);
