using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Application.Tests.Workflow;

public sealed class VerdictHeadlineTests
{
    private static Verdict Inconclusive(string explanation) => new(
        ObjectiveStatus.Error,
        Decision.Inconclusive,
        null,
        [new ObjectiveResult("p95 latency", "latency.p95", ObjectiveStatus.Error, null, 500, 800, explanation)],
        "Inconclusive");

    [Theory]
    [InlineData("latency.p95 could not be measured: no data")]
    [InlineData("p95 latency: latency.p95 could not be measured: no data")]
    public void An_inconclusive_headline_names_the_objective_once(string explanation)
    {
        var headline = VerdictHeadline.Of("checkout", Inconclusive(explanation));

        Assert.Equal("Inconclusive on checkout (score n/a): p95 latency: latency.p95 could not be measured: no data", headline);
    }
}
