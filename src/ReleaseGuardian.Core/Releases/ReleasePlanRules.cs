using System.Globalization;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Releases;

/// <summary>What a flag service allows of a (valid) release plan.</summary>
public static class ReleasePlanRules
{
    /// <summary>
    /// For a provider or flag that only has on/off: a plan of exactly one stage with rollout 100 runs (the release
    /// is then one validated switch-on); any other plan is refused naming the first stage it cannot run.
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="provider">The provider's name, for the message (e.g. <c>flagd</c>, <c>httphook</c>).</param>
    /// <returns>The problems, empty when the plan can run.</returns>
    public static IReadOnlyList<DefinitionError> ForOnOffOnly(ReleasePlan plan, string provider)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var who = string.IsNullOrWhiteSpace(provider) ? "this flag" : $"this {provider} flag";
        if (plan.Stages.Count > 1)
        {
            return
            [
                new DefinitionError(
                    "stages[1]",
                    $"cannot run: {who} only has on/off, so a plan for it has one stage with rollout 100 " +
                    $"(this plan has {plan.Stages.Count.ToString(CultureInfo.InvariantCulture)} stages)"),
            ];
        }

        if (plan.Stages.Count == 1 && plan.Stages[0].Rollout != 100)
        {
            return
            [
                new DefinitionError(
                    "stages[0].rollout",
                    $"must be 100: {who} only has on/off and cannot serve {plan.Stages[0].Rollout.ToString(CultureInfo.InvariantCulture)}% of users"),
            ];
        }

        return [];
    }
}
