using System.Text;
using ReleaseGuardian.Application.Ingestion;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

public sealed class FlagWebhookAuthenticationTests
{
    private static readonly WebhookSecurity Configured = new(Secret);

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void A_correctly_signed_sample_delivery_is_accepted(string provider)
    {
        var outcome = Adapter(provider).Handle(Signed(provider, Sample(provider)), Configured, Now);

        var accepted = Assert.IsType<FlagWebhookOutcome.Accepted>(outcome);
        Assert.NotEmpty(accepted.Changes);
        Assert.All(accepted.Changes, c => Assert.Equal(provider, c.Provider));
        Assert.All(accepted.Changes, c => Assert.Equal(Encoding.UTF8.GetString(Sample(provider)), c.RawPayload));
    }

    [Theory]
    [MemberData(nameof(SigningProviders), MemberType = typeof(FlagDeliveries))]
    public void A_tampered_body_is_rejected_with_401(string provider)
    {
        var body = Sample(provider);
        var request = Signed(provider, body);
        var tampered = (byte[])body.Clone();
        var at = Array.IndexOf(tampered, (byte)'e');
        tampered[at] = (byte)'E';

        var outcome = Adapter(provider).Handle(request with { Body = tampered }, Configured, Now);

        AssertUnauthorized(outcome, Adapter(provider).CredentialField);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void A_delivery_signed_with_the_wrong_secret_is_rejected_with_401(string provider)
    {
        var outcome = Adapter(provider).Handle(Signed(provider, Sample(provider), secret: "not-the-secret"), Configured, Now);

        AssertUnauthorized(outcome, Adapter(provider).CredentialField);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void A_delivery_without_its_signature_is_rejected_with_401_naming_the_header(string provider)
    {
        var adapter = Adapter(provider);
        var request = WithoutCredential(Signed(provider, Sample(provider)), adapter.CredentialField);

        var outcome = adapter.Handle(request, Configured, Now);

        var problem = AssertUnauthorized(outcome, adapter.CredentialField);
        Assert.Contains("missing", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void Without_a_configured_secret_every_delivery_is_rejected_with_401(string provider)
    {
        var outcome = Adapter(provider).Handle(Signed(provider, Sample(provider)), WebhookSecurity.None, Now);

        var problem = AssertUnauthorized(outcome, Adapter(provider).CredentialField);
        Assert.Equal(
            $"no secret configured for provider {provider}; set Webhooks:{provider}:Secret or Webhooks:{provider}:AllowUnsigned",
            problem.Detail);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void With_AllowUnsigned_and_no_secret_an_unsigned_delivery_is_accepted(string provider)
    {
        var outcome = Adapter(provider).Handle(Unsigned(Sample(provider)), new WebhookSecurity(null, AllowUnsigned: true), Now);

        Assert.IsType<FlagWebhookOutcome.Accepted>(outcome);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void With_a_secret_AllowUnsigned_does_not_waive_the_signature(string provider)
    {
        var adapter = Adapter(provider);

        var outcome = adapter.Handle(Unsigned(Sample(provider)), new WebhookSecurity(Secret, AllowUnsigned: true), Now);

        Assert.IsType<FlagWebhookOutcome.Rejected>(outcome);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void Malformed_JSON_is_rejected_with_400_naming_the_body(string provider)
    {
        var body = Encoding.UTF8.GetBytes("{\"kind\": \"flag\", \"_id\": ");

        var outcome = Adapter(provider).Handle(Signed(provider, body), Configured, Now);

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal("$", problem.Field);
        Assert.Contains("not valid JSON", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void An_unsigned_malformed_body_is_rejected_for_its_signature_before_it_is_parsed(string provider)
    {
        var outcome = Adapter(provider).Handle(Unsigned("not json at all"u8.ToArray()), Configured, Now);

        AssertUnauthorized(outcome, Adapter(provider).CredentialField);
    }

    [Theory]
    [InlineData("launchdarkly", "launchdarkly-flag-turned-on.json", "accesses[0].resource", "accesses[0].resource")]
    [InlineData("launchdarkly", "launchdarkly-flag-turned-on.json", "_id", "_id")]
    [InlineData("launchdarkly", "launchdarkly-flag-turned-on.json", "date", "date")]
    [InlineData("unleash", "unleash-feature-environment-enabled.json", "featureName", "featureName")]
    [InlineData("unleash", "unleash-feature-environment-enabled.json", "id", "id")]
    [InlineData("flagsmith", "flagsmith-flag-updated.json", "data.new_state.feature.name", "data.new_state.feature.name")]
    [InlineData("flagsmith", "flagsmith-flag-updated.json", "data.new_state.enabled", "data.new_state.enabled")]
    [InlineData("configcat", "configcat-setting-changed.json", "changeDetails", "changeDetails")]
    [InlineData("configcat", "configcat-setting-changed.json", "changeDetails[1].settingKey", "changeDetails[1].settingKey")]
    [InlineData("gofeatureflag", "gofeatureflag-notification.json", "flags", "flags")]
    [InlineData("gofeatureflag", "gofeatureflag-notification.json", "flags.updated.new-checkout.new_value", "flags.updated.new-checkout.new_value")]
    [InlineData("growthbook", "growthbook-feature-updated.json", "data.object.id", "data.object.id")]
    [InlineData("growthbook", "growthbook-feature-updated.json", "data.object.environments.production", "data.object.environments.production")]
    [InlineData("split", "split-killed.json", "changeNumber", "changeNumber")]
    [InlineData("split", "split-killed.json", "environmentName", "environmentName")]
    [InlineData("azureappconfig", "azureappconfig-featureflag-modified.json", "[0].data.etag", "[0].data.etag")]
    [InlineData("azureappconfig", "azureappconfig-featureflag-modified.json", "[0].eventType", "[0].eventType")]
    public void A_missing_required_field_is_rejected_with_400_naming_its_path(string provider, string file, string remove, string expectedField)
    {
        var body = Without(Payload(file), remove);

        var outcome = Adapter(provider).Handle(Signed(provider, body), Configured, Now);

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal(expectedField, problem.Field);
    }

    [Theory]
    [InlineData("launchdarkly", "launchdarkly-flag-turned-on.json", "accesses.[0].resource", "\"proj/default:env/production\"", "accesses[0].resource")]
    [InlineData("launchdarkly", "launchdarkly-flag-turned-on.json", "date", "\"yesterday\"", "date")]
    [InlineData("unleash", "unleash-feature-environment-enabled.json", "createdAt", "\"not a date\"", "createdAt")]
    [InlineData("flagsmith", "flagsmith-flag-updated.json", "data.previous_state.enabled", "\"yes\"", "data.previous_state.enabled")]
    [InlineData("configcat", "configcat-setting-changed.json", "changeDetails[0]", "42", "changeDetails[0]")]
    [InlineData("gofeatureflag", "gofeatureflag-notification.json", "flags.added.search-v2.disable", "\"no\"", "flags.added.search-v2.disable")]
    [InlineData("growthbook", "growthbook-feature-updated.json", "data.object.environments.production.enabled", "1", "data.object.environments.production.enabled")]
    [InlineData("split", "split-killed.json", "definition", "42", "definition")]
    [InlineData("azureappconfig", "azureappconfig-featureflag-modified.json", "[0].data.key", "\".appconfig.featureflag/\"", "[0].data.key")]
    public void A_mistyped_field_is_rejected_with_400_naming_its_path(string provider, string file, string path, string json, string expectedField)
    {
        var body = With(Payload(file), path, json);

        var outcome = Adapter(provider).Handle(Signed(provider, body), Configured, Now);

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal(expectedField, problem.Field);
    }

    [Theory]
    [MemberData(nameof(Providers), MemberType = typeof(FlagDeliveries))]
    public void A_body_of_the_wrong_JSON_shape_is_rejected_with_400_naming_the_root(string provider)
    {
        var body = provider == "azureappconfig" ? "{}"u8.ToArray() : "[]"u8.ToArray();

        var outcome = Adapter(provider).Handle(Signed(provider, body), Configured, Now);

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal("$", problem.Field);
    }

    private static IngestProblem AssertUnauthorized(FlagWebhookOutcome outcome, string field)
    {
        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(401, problem.StatusCode);
        Assert.Equal(field, problem.Field);
        Assert.DoesNotContain(Secret, problem.Detail, StringComparison.Ordinal);
        return problem;
    }
}
