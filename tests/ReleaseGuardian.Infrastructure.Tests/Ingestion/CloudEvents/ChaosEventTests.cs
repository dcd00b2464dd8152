using System.Text;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents.CloudEventsReaderTests;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.CloudEvents;

/// <summary><c>releaseguardian.chaos.finished.v1</c> carrying a Litmus ChaosResult, a Chaos Mesh experiment, or our own shape.</summary>
public sealed class ChaosEventTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 11, 24, 10, 3, 10, TimeSpan.Zero);

    private static WebhookRequest Wrap(string dataFile, string? subject = null, bool withTime = true)
    {
        var data = Encoding.UTF8.GetString(EventPayload(dataFile));
        var subjectPart = subject is null ? string.Empty : $$""","subject":"{{subject}}" """;
        var timePart = withTime ? ""","time":"2026-11-24T10:03:10Z" """ : string.Empty;
        var body = $$"""{"specversion":"1.0","id":"{{dataFile}}","source":"/k8s/shop","type":"releaseguardian.chaos.finished.v1"{{subjectPart}}{{timePart}},"data":{{data}}}""";
        return Request(body, contentType: "application/cloudevents+json");
    }

    [Fact]
    public void A_Litmus_ChaosResult_that_passed_gives_its_verdict_score_and_guardian_label()
    {
        var chaos = Assert.IsType<ChaosFinishedEvent>(Assert.Single(ReadAccepted(Wrap("litmus-chaosresult-pass.json")).Events));

        Assert.Equal("checkout", chaos.Result.GuardianId);
        Assert.Equal("pod-delete", chaos.Result.Experiment);
        Assert.Equal("Pass", chaos.Result.Verdict);
        Assert.Equal(100, chaos.Result.ResilienceScore);
        Assert.Equal("litmus", chaos.Result.Engine);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 2, 0, TimeSpan.Zero), chaos.Result.Start);
        Assert.Equal(EventTime, chaos.Result.End);
        Assert.Equal("/k8s/shop", chaos.Source);
    }

    [Fact]
    public void A_Litmus_ChaosResult_that_failed_keeps_the_Fail_verdict_and_the_string_score_as_a_number()
    {
        var chaos = Assert.IsType<ChaosFinishedEvent>(Assert.Single(ReadAccepted(Wrap("litmus-chaosresult-fail.json")).Events));
        Assert.Equal("Fail", chaos.Result.Verdict);
        Assert.Equal(50, chaos.Result.ResilienceScore);
    }

    [Fact]
    public void The_CloudEvent_subject_names_the_guardian_when_it_is_a_guardian_id_and_is_ignored_when_it_is_a_resource_path()
    {
        var bySubject = (ChaosFinishedEvent)ReadAccepted(Wrap("litmus-chaosresult-pass.json", subject: "payments")).Events[0];
        Assert.Equal("payments", bySubject.Result.GuardianId);

        var byLabel = (ChaosFinishedEvent)ReadAccepted(Wrap("litmus-chaosresult-pass.json", subject: "/apis/litmuschaos.io/v1alpha1/namespaces/shop/chaosresults/x")).Events[0];
        Assert.Equal("checkout", byLabel.Result.GuardianId);
    }

    [Fact]
    public void A_Litmus_ChaosResult_without_an_event_time_is_rejected_naming_time()
    {
        Assert.Equal("time", ReadRejected(Wrap("litmus-chaosresult-pass.json", withTime: false)).Field);
    }

    [Fact]
    public void A_Litmus_ChaosResult_still_awaited_is_rejected_as_not_finished()
    {
        var data = Encoding.UTF8.GetString(EventPayload("litmus-chaosresult-pass.json"))
            .Replace("\"verdict\": \"Pass\"", "\"verdict\": \"Awaited\"", StringComparison.Ordinal)
            .Replace("\"phase\": \"Completed\"", "\"phase\": \"Running\"", StringComparison.Ordinal);
        var body = $$"""{"specversion":"1.0","id":"a","source":"/k8s","type":"releaseguardian.chaos.finished.v1","time":"2026-11-24T10:03:10Z","data":{{data}}}""";
        var problem = ReadRejected(Request(body, contentType: "application/cloudevents+json"));
        Assert.Equal("data.status.experimentStatus.verdict", problem.Field);
        Assert.Contains("not finished", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Chaos_Mesh_experiment_stopped_and_all_recovered_is_Recovered_with_the_window_of_its_records()
    {
        var chaos = Assert.IsType<ChaosFinishedEvent>(Assert.Single(ReadAccepted(Wrap("chaosmesh-podchaos-recovered.json")).Events));

        Assert.Equal("Recovered", chaos.Result.Verdict);
        Assert.Equal("checkout-pod-kill", chaos.Result.Experiment);
        Assert.Equal("chaosmesh", chaos.Result.Engine);
        Assert.Equal("checkout", chaos.Result.GuardianId);
        Assert.Null(chaos.Result.ResilienceScore);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 2, 0, TimeSpan.Zero), chaos.Result.Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 3, 0, TimeSpan.Zero), chaos.Result.End);
    }

    [Fact]
    public void A_Chaos_Mesh_experiment_whose_recovery_failed_is_NotRecovered()
    {
        var chaos = (ChaosFinishedEvent)ReadAccepted(Wrap("chaosmesh-podchaos-notrecovered.json")).Events[0];
        Assert.Equal("NotRecovered", chaos.Result.Verdict);
    }

    [Fact]
    public void A_Chaos_Mesh_experiment_still_running_is_rejected_explaining_it_has_not_finished()
    {
        var problem = ReadRejected(Wrap("chaosmesh-podchaos-running.json"));
        Assert.Equal("data.status.experiment.desiredPhase", problem.Field);
        Assert.Contains("not finished", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"experiment":"e","verdict":"Pass","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.guardian")]
    [InlineData("""{"guardian":"checkout","verdict":"Pass","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.experiment")]
    [InlineData("""{"guardian":"checkout","experiment":"e","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.verdict")]
    [InlineData("""{"guardian":"checkout","experiment":"e","verdict":"Pass","end":"2026-11-24T10:01:00Z"}""", "data.start")]
    [InlineData("""{"guardian":"checkout","experiment":"e","verdict":"Pass","start":"2026-11-24T10:00:00Z"}""", "data.end")]
    [InlineData("""{"guardian":"checkout","experiment":"e","verdict":"Pass","resilienceScore":140,"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z"}""", "data.resilienceScore")]
    public void A_bad_normalised_chaos_event_is_rejected_naming_the_data_path(string data, string field)
    {
        var body = $$"""{"specversion":"1.0","id":"x","source":"/ci","type":"releaseguardian.chaos.finished.v1","data":{{data}}}""";
        Assert.Equal(field, ReadRejected(Request(body, contentType: "application/cloudevents+json")).Field);
    }
}
