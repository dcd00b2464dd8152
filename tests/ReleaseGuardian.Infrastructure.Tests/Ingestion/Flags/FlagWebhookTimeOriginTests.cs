using ReleaseGuardian.Application.Ingestion;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

/// <summary>
/// Which flag changes say their time came from the body (and may be recorded as one entity, de-duplicated by time):
/// only those whose ChangedAt every redelivery repeats. Receipt time and signed-header time take the marker path.
/// </summary>
public sealed class FlagWebhookTimeOriginTests
{
    private static readonly WebhookSecurity Configured = new(Secret);

    private static FlagWebhookOutcome.Accepted Accept(string provider, byte[] body) =>
        Assert.IsType<FlagWebhookOutcome.Accepted>(Adapter(provider).Handle(Signed(provider, body), Configured, Now));

    [Theory]
    [InlineData("launchdarkly", true)] // date
    [InlineData("unleash", true)] // createdAt
    [InlineData("flagsmith", true)] // data.timestamp
    [InlineData("split", true)] // time
    [InlineData("growthbook", true)] // data.object.dateUpdated
    [InlineData("azureappconfig", true)] // eventTime
    [InlineData("configcat", false)] // the signed X-ConfigCat-Webhook-Timestamp header, new on every delivery
    [InlineData("gofeatureflag", false)] // no time at all: receipt time
    public void Each_providers_sample_says_whether_its_time_came_from_the_payload(string provider, bool fromPayload)
    {
        var accepted = Accept(provider, Sample(provider));

        Assert.Equal(fromPayload, accepted.TimeFromPayload);
        if (!fromPayload && provider == "gofeatureflag")
        {
            Assert.All(accepted.Changes, c => Assert.Equal(Now, c.ChangedAt));
        }
    }

    [Fact]
    public void A_GrowthBook_update_without_dateUpdated_or_created_falls_back_to_now_and_says_so()
    {
        var body = Without(Without(Sample("growthbook"), "data.object.dateUpdated"), "created");

        var accepted = Accept("growthbook", body);

        Assert.False(accepted.TimeFromPayload);
        Assert.All(accepted.Changes, c => Assert.Equal(Now, c.ChangedAt));
    }

    [Fact]
    public void A_GrowthBook_update_with_only_created_still_takes_its_time_from_the_payload()
    {
        var accepted = Accept("growthbook", Without(Sample("growthbook"), "data.object.dateUpdated"));

        Assert.True(accepted.TimeFromPayload);
        Assert.All(accepted.Changes, c => Assert.NotEqual(Now, c.ChangedAt));
    }

    [Fact]
    public void An_Event_Grid_event_without_eventTime_makes_the_delivery_use_receipt_time()
    {
        var accepted = Accept("azureappconfig", Without(Sample("azureappconfig"), "[0].eventTime"));

        Assert.False(accepted.TimeFromPayload);
        Assert.Equal(Now, Assert.Single(accepted.Changes).ChangedAt);
    }
}
