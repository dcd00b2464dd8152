using System.Globalization;
using System.Security.Cryptography;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

public sealed class FlagWebhookNormalisationTests
{
    private static readonly WebhookSecurity Configured = new(Secret);

    private static FlagWebhookOutcome.Accepted Accept(string provider, string file, WebhookRequest? request = null)
    {
        var outcome = Adapter(provider).Handle(request ?? Signed(provider, Payload(file)), Configured, Now);
        return Assert.IsType<FlagWebhookOutcome.Accepted>(outcome);
    }

    private static FlagWebhookOutcome.Ignored Ignore(string provider, string file)
    {
        var outcome = Adapter(provider).Handle(Signed(provider, Payload(file)), Configured, Now);
        return Assert.IsType<FlagWebhookOutcome.Ignored>(outcome);
    }

    private static string Sha256(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));

    [Fact]
    public void A_LaunchDarkly_flag_turned_on_is_normalised_from_the_audit_entry()
    {
        var accepted = Accept("launchdarkly", "launchdarkly-flag-turned-on.json");

        // An updateOn entry is a toggle, so turning on says the flag was off before, even without previousVersion.
        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("launchdarkly", "new-checkout", "default", "production", (FlagState?)new FlagState(false), new FlagState(true), "Ada Lovelace <ada@example.org>"),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764064800123), change.ChangedAt);
        Assert.Equal("65a1f0c2e4b0a1d2c3f4a5b6", change.ChangeId);
        Assert.Equal("65a1f0c2e4b0a1d2c3f4a5b6", accepted.DeliveryId);
        Assert.Equal("updateOn", change.ProviderRefs["action"]);
    }

    [Fact]
    public void A_LaunchDarkly_entry_with_versions_gives_previous_and_current_state_and_drops_resource_tags()
    {
        var change = Assert.Single(Accept("launchdarkly", "launchdarkly-flag-with-versions.json").Changes);

        Assert.Equal(("dark-mode", "shop", "staging"), (change.FlagKey, change.Project, change.Environment));
        Assert.Equal(new FlagState(false), change.Previous);
        Assert.Equal(new FlagState(true), change.Current);
        Assert.Equal("Grace Hopper <grace@example.org>", change.Actor);
    }

    [Fact]
    public void A_LaunchDarkly_turn_off_is_read_from_the_title_verb()
    {
        var body = With(With(Payload("launchdarkly-flag-turned-on.json"), "titleVerb", "\"turned off the flag\""), "title", "\"turned off\"");

        var change = Assert.Single(Accept("launchdarkly", "", Signed("launchdarkly", body)).Changes);

        Assert.Equal(new FlagState(false), change.Current);
    }

    [Fact]
    public void A_LaunchDarkly_segment_change_is_ignored()
    {
        Assert.Contains("segment", Ignore("launchdarkly", "launchdarkly-segment-updated.json").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Unleash_environment_enabled_event_is_normalised()
    {
        var accepted = Accept("unleash", "unleash-feature-environment-enabled.json");

        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("unleash", "new-checkout", "default", "production", new FlagState(false), new FlagState(true), "ada@example.org"),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(new DateTimeOffset(2025, 11, 25, 10, 0, 0, TimeSpan.Zero), change.ChangedAt);
        Assert.Equal("4211", change.ChangeId);
        Assert.Equal("4211", accepted.DeliveryId);
    }

    [Fact]
    public void An_Unleash_strategy_update_leaves_on_off_and_previous_unknown_and_keeps_the_strategy_id()
    {
        var change = Assert.Single(Accept("unleash", "unleash-feature-strategy-update.json").Changes);

        Assert.Null(change.Previous);
        Assert.Equal(new FlagState(null), change.Current);
        Assert.Equal("grace@example.org", change.Actor);
        Assert.Equal("0b2c7f4e-7d6a-4a0c-9d33-0f1f1a7d1e01", change.ProviderRefs["strategyId"]);
        Assert.Equal("feature-strategy-update", change.ProviderRefs["eventType"]);
    }

    [Fact]
    public void An_Unleash_tagging_event_is_ignored()
    {
        Assert.Contains("feature-tagged", Ignore("unleash", "unleash-feature-tagged.json").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Flagsmith_flag_update_is_normalised_with_both_states_and_rollback_ids()
    {
        var body = Payload("flagsmith-flag-updated.json");
        var accepted = Accept("flagsmith", "flagsmith-flag-updated.json");

        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("flagsmith", "new_checkout", "Shop", "Production", new FlagState(false, "v1"), new FlagState(true, "v2"), "Ada Lovelace"),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(DateTimeOffset.Parse("2025-11-25T10:00:00.595298Z", CultureInfo.InvariantCulture), change.ChangedAt);
        Assert.Equal(Sha256(body), change.ChangeId);
        Assert.Equal(Sha256(body), accepted.DeliveryId);
        Assert.Equal("93841", change.ProviderRefs["featureStateId"]);
        Assert.Equal("ser.abcDEF123", change.ProviderRefs["environmentApiKey"]);
        Assert.Equal("23", change.ProviderRefs["environmentId"]);
        Assert.Equal("7168", change.ProviderRefs["featureId"]);
    }

    [Fact]
    public void A_Flagsmith_identity_override_and_an_audit_log_event_are_ignored()
    {
        Ignore("flagsmith", "flagsmith-audit-log-created.json");

        var body = With(Payload("flagsmith-flag-updated.json"), "data.new_state.identity", "42");
        var outcome = Adapter("flagsmith").Handle(Signed("flagsmith", body), Configured, Now);
        Assert.Contains("identity", Assert.IsType<FlagWebhookOutcome.Ignored>(outcome).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ConfigCat_delivery_yields_one_change_per_setting_with_the_webhook_id_as_delivery_id()
    {
        var accepted = Accept("configcat", "configcat-setting-changed.json");

        Assert.Equal(ConfigCatWebhookId, accepted.DeliveryId);
        Assert.Equal(2, accepted.Changes.Count);
        var flag = accepted.Changes[0];
        Assert.Equal(
            ("configcat", "newCheckout", "Main Config", "Production", new FlagState(false), new FlagState(true), "Ada Lovelace (ada@example.org)"),
            (flag.Provider, flag.FlagKey, flag.Project, flag.Environment, flag.Previous, flag.Current, flag.Actor));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds()), flag.ChangedAt);
        Assert.Equal($"{ConfigCatWebhookId}:newCheckout", flag.ChangeId);
        Assert.Equal("08d8c1d1-3a6b-4c2f-8d3e-5a0b7e2f9c11", flag.ProviderRefs["configId"]);
        Assert.Equal("08d8c1d1-4c5e-4f7a-8b2a-6c1d2e3f4a5b", flag.ProviderRefs["environmentId"]);

        var text = accepted.Changes[1];
        Assert.Equal("checkoutTheme", text.FlagKey);
        Assert.Equal(new FlagState(null, "blue"), text.Previous);
        Assert.Equal(new FlagState(null, "green"), text.Current);
        Assert.Equal($"{ConfigCatWebhookId}:checkoutTheme", text.ChangeId);
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public void A_ConfigCat_timestamp_more_than_five_minutes_away_is_rejected_with_401(int minutes)
    {
        var request = Signed("configcat", Payload("configcat-setting-changed.json"), signedAt: Now.AddMinutes(minutes));

        var outcome = Adapter("configcat").Handle(request, Configured, Now);

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem;
        Assert.Equal(401, problem.StatusCode);
        Assert.Equal("X-ConfigCat-Webhook-Timestamp", problem.Field);
    }

    [Theory]
    [InlineData(-4)]
    [InlineData(4)]
    public void A_ConfigCat_timestamp_within_five_minutes_is_accepted(int minutes)
    {
        var request = Signed("configcat", Payload("configcat-setting-changed.json"), signedAt: Now.AddMinutes(minutes));

        Assert.IsType<FlagWebhookOutcome.Accepted>(Adapter("configcat").Handle(request, Configured, Now));
    }

    [Fact]
    public void A_ConfigCat_signature_list_is_accepted_when_any_one_signature_matches()
    {
        var request = Signed("configcat", Payload("configcat-setting-changed.json"));
        var good = request.Header("X-ConfigCat-Webhook-Signature-V1")!;
        var other = Signed("configcat", Payload("configcat-setting-changed.json"), secret: "the-other-signing-key").Header("X-ConfigCat-Webhook-Signature-V1");
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase)
        {
            ["X-ConfigCat-Webhook-Signature-V1"] = $"{other}, not-base64!, {good}",
        };

        Assert.IsType<FlagWebhookOutcome.Accepted>(Adapter("configcat").Handle(request with { Headers = headers }, Configured, Now));

        headers["X-ConfigCat-Webhook-Signature-V1"] = $"{other},not-base64!";
        var rejected = Assert.IsType<FlagWebhookOutcome.Rejected>(Adapter("configcat").Handle(request with { Headers = headers }, Configured, Now));
        Assert.Equal("X-ConfigCat-Webhook-Signature-V1", rejected.Problem.Field);
    }

    [Theory]
    [InlineData("X-ConfigCat-Webhook-ID", null)]
    [InlineData("X-ConfigCat-Webhook-Timestamp", null)]
    [InlineData("X-ConfigCat-Webhook-Timestamp", "2025-11-25T10:00:00Z")]
    public void A_ConfigCat_delivery_with_a_missing_or_unreadable_signed_header_is_rejected_with_401_naming_it(string header, string? value)
    {
        var request = Signed("configcat", Payload("configcat-setting-changed.json"));
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase);
        if (value is null)
        {
            headers.Remove(header);
        }
        else
        {
            headers[header] = value;
        }

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(Adapter("configcat").Handle(request with { Headers = headers }, Configured, Now)).Problem;

        Assert.Equal((header, 401), (problem.Field, problem.StatusCode));
    }

    [Fact]
    public void A_ConfigCat_signature_does_not_verify_under_a_different_webhook_id()
    {
        var request = Signed("configcat", Payload("configcat-setting-changed.json"));
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase) { ["X-ConfigCat-Webhook-ID"] = "another-id" };

        var outcome = Adapter("configcat").Handle(request with { Headers = headers }, Configured, Now);

        Assert.Equal(401, Assert.IsType<FlagWebhookOutcome.Rejected>(outcome).Problem.StatusCode);
    }

    [Fact]
    public void A_GO_Feature_Flag_notification_yields_one_change_per_updated_added_and_deleted_flag()
    {
        var body = Payload("gofeatureflag-notification.json");
        var accepted = Accept("gofeatureflag", "gofeatureflag-notification.json");
        var hash = Sha256(body);

        Assert.Equal(hash, accepted.DeliveryId);
        Assert.Equal(3, accepted.Changes.Count);
        var byKey = accepted.Changes.ToDictionary(c => c.FlagKey);

        var updated = byKey["new-checkout"];
        Assert.Equal(new FlagState(false, "disabled"), updated.Previous);
        Assert.Equal(new FlagState(true, "enabled"), updated.Current);
        Assert.Equal($"{hash}:new-checkout", updated.ChangeId);
        Assert.Equal((null, null, null), (updated.Project, updated.Environment, updated.Actor));
        Assert.Equal(Now, updated.ChangedAt);
        Assert.Equal("relay-proxy-0", updated.ProviderRefs["hostname"]);

        Assert.Null(byKey["search-v2"].Previous);
        Assert.Equal(new FlagState(true, "disabled"), byKey["search-v2"].Current);
        Assert.Equal(new FlagState(true, "on"), byKey["old-banner"].Previous);
        Assert.Equal(new FlagState(false), byKey["old-banner"].Current);
    }

    [Fact]
    public void A_GrowthBook_feature_update_yields_a_change_for_the_environment_that_changed()
    {
        var accepted = Accept("growthbook", "growthbook-feature-updated.json");

        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("growthbook", "new-checkout", "prj_shop", "production", new FlagState(false, "true"), new FlagState(true, "true"), "Ada Lovelace <ada@example.org>"),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(new DateTimeOffset(2025, 11, 25, 10, 0, 0, TimeSpan.Zero), change.ChangedAt);
        Assert.Equal("event-01JDX4W3Q8Z6", change.ChangeId);
        Assert.Equal("event-01JDX4W3Q8Z6", accepted.DeliveryId);
    }

    [Fact]
    public void A_GrowthBook_experiment_event_and_an_update_touching_no_environment_are_ignored()
    {
        Ignore("growthbook", "growthbook-experiment-created.json");

        var body = Without(Payload("growthbook-feature-updated.json"), "data.previous_attributes.environments");
        var outcome = Adapter("growthbook").Handle(Signed("growthbook", body), Configured, Now);
        Assert.IsType<FlagWebhookOutcome.Ignored>(outcome);
    }

    [Fact]
    public void A_Split_kill_is_normalised_with_the_previous_definition_and_workspace()
    {
        var accepted = Accept("split", "split-killed.json");

        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("split", "new_checkout", (string?)null, "Production", new FlagState(true, "on"), new FlagState(false, "off"), "Ada Lovelace"),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764064800123), change.ChangedAt);
        Assert.Equal("1764064800123", change.ChangeId);
        Assert.Equal("a1b2c3d4-1d2e-11ee-a1b2-0a1b2c3d4e5f", change.ProviderRefs["workspaceId"]);
        Assert.Equal("e5f6a7b8-1d2e-11ee-a1b2-0a1b2c3d4e5f", change.ProviderRefs["environmentId"]);
    }

    [Fact]
    public void A_Split_secret_sent_in_a_header_instead_of_the_query_is_rejected()
    {
        var request = Unsigned(Payload("split-killed.json"), headers: new Dictionary<string, string> { ["Authorization"] = Secret });

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(Adapter("split").Handle(request, Configured, Now)).Problem;

        Assert.Equal(("secret", 401), (problem.Field, problem.StatusCode));
    }

    [Fact]
    public void An_App_Configuration_feature_flag_modification_is_normalised_with_the_etag_as_change_id()
    {
        var accepted = Accept("azureappconfig", "azureappconfig-featureflag-modified.json");

        var change = Assert.Single(accepted.Changes);
        Assert.Equal(
            ("azureappconfig", "new-checkout", "shop-config", "production", (FlagState?)null, new FlagState(null), (string?)null),
            (change.Provider, change.FlagKey, change.Project, change.Environment, change.Previous, change.Current, change.Actor));
        Assert.Equal(DateTimeOffset.Parse("2025-11-25T10:00:00.1234567Z", CultureInfo.InvariantCulture), change.ChangedAt);
        Assert.Equal("FnUExLaj2moIi4tJX9AXn9sakm0", change.ChangeId);
        Assert.Equal("FnUExLaj2moIi4tJX9AXn9sakm0", accepted.DeliveryId);
        Assert.Equal("production", change.ProviderRefs["label"]);
        Assert.Equal("https://shop-config.azconfig.io", change.ProviderRefs["endpoint"]);
        Assert.Equal(".appconfig.featureflag/new-checkout", change.ProviderRefs["key"]);
    }

    [Fact]
    public void An_App_Configuration_feature_flag_deletion_reads_as_off()
    {
        var body = With(Payload("azureappconfig-featureflag-modified.json"), "[0].eventType", "\"Microsoft.AppConfiguration.KeyValueDeleted\"");

        var change = Assert.Single(Accept("azureappconfig", "", Signed("azureappconfig", body)).Changes);

        Assert.Equal(new FlagState(false), change.Current);
    }

    [Fact]
    public void An_App_Configuration_change_to_a_plain_key_is_ignored()
    {
        Ignore("azureappconfig", "azureappconfig-plain-key-modified.json");
    }

    [Fact]
    public void The_Event_Grid_subscription_validation_is_answered_with_the_validation_code()
    {
        var body = Payload("azureappconfig-subscription-validation.json");
        var request = Unsigned(
            body,
            headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" },
            query: new Dictionary<string, string> { ["secret"] = Secret });

        var outcome = Adapter("azureappconfig").Handle(request, Configured, Now);

        Assert.Equal(
            "{\"validationResponse\":\"512d38b6-c7b8-40c8-89fe-f46f9e9622b6\"}",
            Assert.IsType<FlagWebhookOutcome.Handshake>(outcome).ResponseJson);
    }

    [Fact]
    public void The_Event_Grid_subscription_validation_without_the_secret_is_rejected()
    {
        var request = Unsigned(
            Payload("azureappconfig-subscription-validation.json"),
            headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" });

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(Adapter("azureappconfig").Handle(request, Configured, Now)).Problem;

        Assert.Equal(("x-guardian-secret", 401), (problem.Field, problem.StatusCode));
    }
}
