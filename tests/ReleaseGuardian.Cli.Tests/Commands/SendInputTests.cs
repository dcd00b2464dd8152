using System.Text;
using ReleaseGuardian.Cli.Client;
using ReleaseGuardian.Cli.Commands;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary>How <c>guardian send</c> labels a body and where <c>--to</c> points, without a server.</summary>
public sealed class SendInputTests
{
    [Theory]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"t"}""", "application/cloudevents+json")]
    [InlineData("""[{"specversion":"1.0","id":"1"},{"specversion":"1.0","id":"2"}]""", "application/cloudevents-batch+json")]
    [InlineData("""[{"specversion":"1.0","id":"1"},{"id":"2"}]""", "application/json")]
    [InlineData("""[]""", "application/json")]
    [InlineData("""{"kind":"flag","data":{"specversion":"1.0"}}""", "application/json")]
    [InlineData("""{"metrics":{}}""", "application/json")]
    [InlineData("""not json""", "application/json")]
    [InlineData("", "application/json")]
    public void The_content_type_follows_the_body(string body, string contentType)
    {
        Assert.Equal(contentType, SendCommand.ContentTypeOf(Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData("events", DeliveryKind.Events, "events", "api/events")]
    [InlineData("flags/launchdarkly", DeliveryKind.Flag, "launchdarkly", "api/webhooks/flags/launchdarkly")]
    [InlineData("loadtests/k6", DeliveryKind.LoadTest, "k6", "api/webhooks/loadtests/k6")]
    [InlineData("/loadtests/azure-load-testing/", DeliveryKind.LoadTest, "azure-load-testing", "api/webhooks/loadtests/azure-load-testing")]
    public void A_target_names_the_route_and_the_secret_that_signs_it(string to, DeliveryKind kind, string signer, string path)
    {
        var target = DeliveryTarget.Parse(to);

        Assert.Null(target.Problem);
        Assert.Equal((kind, signer, path), (target.Kind, target.Signer, target.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("flags")]
    [InlineData("flags/")]
    [InlineData("flags/a/b")]
    [InlineData("loadtests/k6?x=1")]
    [InlineData("webhooks/k6")]
    public void Any_other_target_is_a_problem(string to)
    {
        Assert.NotNull(DeliveryTarget.Parse(to).Problem);
    }

    [Theory]
    [InlineData("Completed", "go", 0)]
    [InlineData("Completed", "nogo", 1)]
    [InlineData("Completed", "inconclusive", 2)]
    [InlineData("Completed", null, 2)]
    [InlineData("Failed", null, 2)]
    [InlineData("Running", null, 2)]
    public void A_status_exits_0_only_for_a_completed_go(string runtimeStatus, string? decision, int exitCode)
    {
        var outcome = decision is null ? null : new ReleaseOutcome("g", "r", "pass", decision, 100, "h", null, null, null);
        var status = new OrchestrationStatus("ReleaseWorkflow", "g:r", runtimeStatus, "done", null, outcome, null, null, null);

        Assert.Equal(exitCode, StatusCommand.ExitCodeOf(status));
    }
}
