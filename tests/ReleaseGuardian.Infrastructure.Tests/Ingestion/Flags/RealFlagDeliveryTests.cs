using System.Text;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.RealSamples;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

/// <summary>
/// Every flag service's own deliveries (Samples/real/README.md names each source) parse to exactly the values in
/// the file. Bodies are signed here with the test secret the way each service signs, since the originals carry
/// no signature for a secret we hold.
/// </summary>
public sealed class RealFlagDeliveryTests
{
    private static readonly WebhookSecurity Configured = new(Secret);

    private static FlagWebhookOutcome Handle(string provider, byte[] body, DateTimeOffset? now = null) =>
        Adapter(provider).Handle(Signed(provider, body, signedAt: now), Configured, now ?? Now);

    private static FlagChange Single(string provider, byte[] body) =>
        Assert.Single(Assert.IsType<FlagWebhookOutcome.Accepted>(Handle(provider, body)).Changes);

    [Fact]
    public void A_real_Split_delivery_typed_Split_with_a_capital_is_stored_with_its_environment_id()
    {
        // getsentry/sentry tests/sentry/flags/providers/test_splitio.py (test_splitio_update_event).
        var change = Single("split", Load("split", "sentry-update-event.json"));

        Assert.Equal(("split", "flag_name", "Prod-Default", "colton.allen"), (change.Provider, change.FlagKey, change.Environment, change.Actor));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1729714885760), change.ChangedAt);
        Assert.Equal("1729714885760", change.ChangeId);
        Assert.Equal("eb870720-9179-11ef-86c0-fe8c0d2dbf5a", change.ProviderRefs["environmentId"]);
        Assert.False(change.ProviderRefs.ContainsKey("workspaceId"), "the body has no link and no workspaceId");

        // Split's definition text is empty in these deliveries, so neither state is known.
        Assert.Equal(new FlagState(null), change.Current);
        Assert.Null(change.Previous);
    }

    [Theory]
    [InlineData("sentry-create-event.json")]
    [InlineData("sentry-delete-event.json")]
    public void Every_real_Split_change_type_is_accepted_whatever_the_casing(string file)
    {
        var change = Single("split", Load("split", file));

        Assert.Equal("flag_name", change.FlagKey);
        Assert.Equal("eb870720-9179-11ef-86c0-fe8c0d2dbf5a", change.ProviderRefs["environmentId"]);
    }

    [Theory]
    [InlineData("split")]
    [InlineData("Split")]
    [InlineData("SPLIT")]
    public void A_Split_type_is_compared_ignoring_case(string type)
    {
        var body = With(Load("split", "sentry-update-event.json"), "type", $"\"{type}\"");

        Assert.IsType<FlagWebhookOutcome.Accepted>(Handle("split", body));
    }

    [Fact]
    public void A_Split_admin_audit_log_object_is_still_ignored()
    {
        var body = With(Load("split", "sentry-update-event.json"), "type", "\"audit_log\"");

        Assert.Contains("audit_log", Assert.IsType<FlagWebhookOutcome.Ignored>(Handle("split", body)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_LaunchDarkly_turned_on_entry_reads_the_toggle_from_its_description()
    {
        // getsentry/sentry tests/sentry/flags/providers/test_launchdarkly.py (test_launchdarkly_update): currentVersion
        // does not list the changed environment 'test'; the description says "* Turned the flag on".
        var change = Single("launchdarkly", Load("launchdarkly", "sentry-update-turned-on.json"));

        Assert.Equal(("test-flag", "default", "test"), (change.FlagKey, change.Project, change.Environment));
        Assert.Equal(new FlagState(true), change.Current);
        Assert.Equal(new FlagState(false), change.Previous);
        Assert.Equal("Michelle Doe <michelle@example.io>", change.Actor);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1729123867537), change.ChangedAt);
        Assert.Equal(("updateOn", "1234"), (change.ProviderRefs["action"], change.ChangeId));
    }

    [Fact]
    public void A_LaunchDarkly_toggle_without_a_previous_version_states_the_prior_state_itself()
    {
        var body = Without(Load("launchdarkly", "sentry-update-turned-on.json"), "previousVersion");

        var change = Single("launchdarkly", body);

        Assert.Equal(new FlagState(true), change.Current);
        Assert.Equal(new FlagState(false), change.Previous);
    }

    [Theory]
    [InlineData("description", "\"* Turned the flag off\\n\"", "updateOn", false)]
    [InlineData("description", "\"* Turned the flag on\\n\"", "updateOn", true)]
    [InlineData("titleVerb", "\"turned off the flag\"", "updateOn", false)]
    [InlineData("titleVerb", "\"turned on the flag\"", "updateOn", true)]
    [InlineData("description", "\"\"", "updateOff", false)]
    public void A_LaunchDarkly_toggle_gives_current_and_previous_from_its_wording_or_action(string field, string text, string action, bool on)
    {
        var body = Without(Load("launchdarkly", "sentry-update-turned-on.json"), "previousVersion");
        body = With(With(With(body, "description", "\"\""), field, text), "accesses[0].action", $"\"{action}\"");

        var change = Single("launchdarkly", body);

        Assert.Equal(new FlagState(on), change.Current);
        Assert.Equal(new FlagState(!on), change.Previous);
    }

    [Fact]
    public void A_LaunchDarkly_change_that_is_not_a_toggle_leaves_the_prior_state_unknown()
    {
        var body = Without(Load("launchdarkly", "sentry-update-turned-on.json"), "previousVersion");
        body = With(body, "accesses[0].action", "\"updateFallthrough\"");

        var change = Single("launchdarkly", body);

        Assert.Equal(new FlagState(null), change.Current);
        Assert.Null(change.Previous);
    }

    [Fact]
    public void A_real_LaunchDarkly_create_and_delete_are_read_from_their_versions_and_action()
    {
        var created = Single("launchdarkly", Load("launchdarkly", "sentry-create.json"));
        Assert.Equal(("test-flag", "test", new FlagState(false), (FlagState?)null, "createFlag"),
            (created.FlagKey, created.Environment, created.Current, created.Previous, created.ProviderRefs["action"]));

        var deleted = Single("launchdarkly", Load("launchdarkly", "sentry-delete.json"));
        Assert.Equal((new FlagState(false), (FlagState?)null), (deleted.Current, deleted.Previous));
    }

    [Fact]
    public void A_real_Unleash_environment_enabled_event_is_normalised()
    {
        // getsentry/sentry tests/sentry/flags/providers/test_unleash.py.
        var change = Single("unleash", Load("unleash", "sentry-feature-environment-enabled.json"));

        Assert.Equal(("test-flag", "default", "development", "michelle@michelle.org"), (change.FlagKey, change.Project, change.Environment, change.Actor));
        Assert.Equal((new FlagState(true), (FlagState?)new FlagState(false)), (change.Current, change.Previous));
        Assert.Equal((new DateTimeOffset(2024, 12, 30, 0, 0, 0, TimeSpan.Zero), "28"), (change.ChangedAt, change.ChangeId));
    }

    [Fact]
    public void Unleash_own_webhook_test_event_is_accepted_with_its_state_unknown()
    {
        // Unleash/unleash src/lib/addons/__snapshots__/webhook.test.ts.snap: the event JSON its addon renders.
        var change = Single("unleash", Load("unleash", "unleash-webhook-test-feature-created.json"));

        Assert.Equal(("some-toggle", "default", "some@user.com", "1"), (change.FlagKey, change.Project, change.Actor, change.ChangeId));
        Assert.Equal((new FlagState(null), (FlagState?)null), (change.Current, change.Previous));
    }

    [Fact]
    public void A_real_GrowthBook_update_that_changes_no_environment_is_ignored_in_both_payload_types()
    {
        // growthbook/growthbook back-end jest suite "features events": a description change, in both payload types.
        Assert.IsType<FlagWebhookOutcome.Ignored>(Handle("growthbook", Load("growthbook", "json-feature-updated-description.json")));
        Assert.IsType<FlagWebhookOutcome.Ignored>(Handle("growthbook", Load("growthbook", "raw-feature-updated-description.json")));
    }

    [Theory]
    [InlineData("json-feature-updated-production-on.json")]
    [InlineData("raw-feature-updated-production-on.json")]
    public void A_GrowthBook_environment_turned_on_reads_the_same_in_json_and_raw_payloads(string file)
    {
        var body = Load("growthbook", file);

        var change = Single("growthbook", body);

        Assert.Equal(("id", "project", "production", "User Name <user@mail.com>"), (change.FlagKey, change.Project, change.Environment, change.Actor));
        Assert.Equal(new FlagState(false, "defaultValue"), change.Previous);
        Assert.Equal(new FlagState(true, "defaultValue"), change.Current);
        Assert.Equal(new DateTimeOffset(2024, 10, 2, 10, 30, 0, TimeSpan.Zero), change.ChangedAt);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), change.ChangeId);
        Assert.Equal("id", change.ProviderRefs["featureId"]);
    }

    [Theory]
    [InlineData("raw-feature-created.json", "feature.created")]
    [InlineData("raw-webhook-test.json", "webhook.test")]
    public void GrowthBook_raw_events_that_are_not_updates_are_ignored_by_name(string file, string eventName)
    {
        var ignored = Assert.IsType<FlagWebhookOutcome.Ignored>(Handle("growthbook", Load("growthbook", file)));

        Assert.Contains(eventName, ignored.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"text\":\"Feature updated\",\"blocks\":[{\"type\":\"section\"}]}", "Slack")]
    [InlineData("{\"content\":\"Feature updated\"}", "Discord")]
    [InlineData("{\"features\":{},\"dateUpdated\":\"2024-10-02T10:30:00Z\"}", "SDK webhook")]
    [InlineData("{\"data\":{}}", "event webhook")]
    public void A_GrowthBook_body_without_an_event_is_refused_naming_event_and_what_it_looks_like(string json, string named)
    {
        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(Handle("growthbook", Encoding.UTF8.GetBytes(json))).Problem;

        Assert.Equal(("event", 400), (problem.Field, problem.StatusCode));
        Assert.Contains(named, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_GrowthBook_update_without_object_or_current_names_both_payload_types()
    {
        var body = Encoding.UTF8.GetBytes("{\"event\":\"feature.updated\",\"data\":{\"previous\":{}}}");

        var problem = Assert.IsType<FlagWebhookOutcome.Rejected>(Handle("growthbook", body)).Problem;

        Assert.Equal("data.object", problem.Field);
        Assert.Contains("data.current", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Flagsmith_documented_flag_updated_body_is_normalised()
    {
        // Flagsmith/flagsmith docs/docs/system-administration/webhooks.md.
        var change = Single("flagsmith", Load("flagsmith", "docs-flag-updated.json"));

        const string value = "<strong>\nYou are using the develop environment.\n</strong>";
        Assert.Equal(("butter_bar", "Flagsmith Website", "Development", "Ben Rometsch"), (change.FlagKey, change.Project, change.Environment, change.Actor));
        Assert.Equal((new FlagState(true, value), (FlagState?)new FlagState(false, value)), (change.Current, change.Previous));
        Assert.Equal(DateTimeOffset.Parse("2021-06-18T07:50:26.595298Z", System.Globalization.CultureInfo.InvariantCulture), change.ChangedAt);
        Assert.Equal(("23", "7168", "12"), (change.ProviderRefs["environmentId"], change.ProviderRefs["featureId"], change.ProviderRefs["projectId"]));
    }

    [Fact]
    public void ConfigCat_documented_change_details_become_one_change_per_setting()
    {
        // configcat/docs website/docs/advanced/notifications-webhooks.mdx: the ##ChangeDetails## example.
        var signedAt = DateTimeOffset.FromUnixTimeSeconds(1669580020);
        var outcome = Assert.IsType<FlagWebhookOutcome.Accepted>(Handle("configcat", Load("configcat", "docs-change-details.json"), signedAt));

        Assert.Equal(["myAwesomeFeature1", "myAwesomeFeature2"], outcome.Changes.Select(c => c.FlagKey));
        var toggled = outcome.Changes[0];
        Assert.Equal((new FlagState(true), (FlagState?)new FlagState(false)), (toggled.Current, toggled.Previous));
        Assert.Equal(("Main Config", "Production", "Ada Lovelace (ada@example.org)"), (toggled.Project, toggled.Environment, toggled.Actor));
        Assert.Equal(signedAt, toggled.ChangedAt);
    }

    [Fact]
    public void GO_Feature_Flag_notifier_test_data_gives_deleted_added_and_updated_flags()
    {
        // thomaspoignant/go-feature-flag notifier/webhooknotifier/testdata/should_call_webhook_and_have_valid_results.json.
        var outcome = Assert.IsType<FlagWebhookOutcome.Accepted>(Handle("gofeatureflag", Load("gofeatureflag", "should_call_webhook_and_have_valid_results.json")));

        var byKey = outcome.Changes.ToDictionary(c => c.FlagKey);
        Assert.Equal(["test-flag", "test-flag2", "test-flag3"], byKey.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((new FlagState(false, "Default"), (FlagState?)new FlagState(true, "Default")), (byKey["test-flag2"].Current, byKey["test-flag2"].Previous));
        Assert.False(byKey["test-flag"].Current.Enabled);
        Assert.Null(byKey["test-flag3"].Previous);
    }

    [Theory]
    [InlineData("docs-keyvalue-modified.json")]
    [InlineData("docs-keyvalue-deleted.json")]
    public void Azure_App_Configuration_documented_plain_key_events_are_ignored(string file)
    {
        Assert.IsType<FlagWebhookOutcome.Ignored>(Handle("azureappconfig", Load("azureappconfig", file)));
    }

    [Fact]
    public void Azure_App_Configuration_feature_flag_deletion_reads_as_off_in_its_label()
    {
        // MicrosoftDocs/azure-docs articles/event-grid/event-schema-app-configuration.md, key changed to a feature flag.
        var change = Single("azureappconfig", Load("azureappconfig", "docs-featureflag-deleted.json"));

        Assert.Equal(("Beta", "FizzBuzz", "contoso", new FlagState(false)), (change.FlagKey, change.Environment, change.Project, change.Current));
        Assert.Equal(new DateTimeOffset(2019, 5, 31, 20, 5, 3, TimeSpan.Zero), change.ChangedAt);
        Assert.Equal("FnUExLaj2moIi4tJX9AXn9sakm0", change.ChangeId);
    }
}
