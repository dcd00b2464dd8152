using System.Text;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class SaasRollbackClientTests
{
    [Fact]
    public async Task LaunchDarkly_turn_off_sends_a_semantic_patch_with_the_raw_token()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:launchdarkly:BaseUrl"] = BaseUrl(server),
            ["Providers:launchdarkly:ApiToken"] = "api-0123-secret",
        });

        var outcome = await Client(services, "launchdarkly").RollBackAsync(
            Plan("launchdarkly", "new-checkout", new FlagState(false), project: "shop", environment: "production"), default);

        var succeeded = Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal(1, succeeded.Attempts);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal("/api/v2/flags/shop/new-checkout", request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal("api-0123-secret", request.Header("Authorization"));
        Assert.Equal("application/json; domain-model=launchdarkly.semanticpatch", request.Header("Content-Type"));
        var body = Json(request);
        Assert.Equal("production", body.GetProperty("environmentKey").GetString());
        Assert.Contains("No-Go: error rate", body.GetProperty("comment").GetString());
        var instruction = Assert.Single(body.GetProperty("instructions").EnumerateArray());
        Assert.Equal("turnFlagOff", instruction.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task LaunchDarkly_turn_on_also_restores_the_default_rule_when_the_variation_id_is_known()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:launchdarkly:BaseUrl"] = BaseUrl(server),
            ["Providers:launchdarkly:ApiToken"] = "api-0123-secret",
        });
        const string variationId = "2f43f67c-3e4e-4945-a18a-26559378ca00";

        var outcome = await Client(services, "LaunchDarkly").RollBackAsync(
            Plan("launchdarkly", "new-checkout", new FlagState(true, variationId), environment: "staging"), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/v2/flags/default/new-checkout", request.Path);
        var body = Json(request);
        Assert.Equal("staging", body.GetProperty("environmentKey").GetString());
        var instructions = body.GetProperty("instructions").EnumerateArray().ToArray();
        Assert.Equal(2, instructions.Length);
        Assert.Equal("turnFlagOn", instructions[0].GetProperty("kind").GetString());
        Assert.Equal("updateFallthroughVariationOrRollout", instructions[1].GetProperty("kind").GetString());
        Assert.Equal(variationId, instructions[1].GetProperty("variationId").GetString());
    }

    [Theory]
    [InlineData(false, "off")]
    [InlineData(true, "on")]
    public async Task Unleash_posts_to_the_environment_on_or_off_endpoint_with_the_admin_token(bool enabled, string endpoint)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:unleash:BaseUrl"] = BaseUrl(server) + "/unleash/",
            ["Providers:unleash:ApiToken"] = "*:*.admin-token",
        });

        var outcome = await Client(services, "unleash").RollBackAsync(
            Plan("unleash", "new-checkout", new FlagState(enabled), project: "web", environment: "production"), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/unleash/api/admin/projects/web/features/new-checkout/environments/production/{endpoint}", request.Path);
        Assert.Equal("*:*.admin-token", request.Header("Authorization"));
        Assert.Empty(request.Body);
    }

    [Fact]
    public async Task Unleash_without_a_base_url_fails_naming_the_key_and_sends_nothing()
    {
        await using var services = Build(new Dictionary<string, string?> { ["Providers:unleash:ApiToken"] = "t" });

        var outcome = await Client(services, "unleash").RollBackAsync(Plan("unleash", "f", new FlagState(false)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("Providers:unleash:BaseUrl", failed.Reason);
        Assert.Contains("switch environment 'production' off", failed.ManualSteps);
        Assert.Equal(0, failed.Attempts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Flagsmith_patches_the_feature_state_named_in_the_provider_refs(bool enabled)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:flagsmith:BaseUrl"] = BaseUrl(server),
            ["Providers:flagsmith:ApiToken"] = "ser.flagsmith-key",
        });
        var refs = new Dictionary<string, string> { ["featureStateId"] = "4711", ["environmentApiKey"] = "env-KEY-1" };

        var outcome = await Client(services, "flagsmith").RollBackAsync(Plan("flagsmith", "new_checkout", new FlagState(enabled), refs: refs), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal("/api/v1/environments/env-KEY-1/featurestates/4711/", request.Path);
        Assert.Equal("Api-Key ser.flagsmith-key", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal($"{{\"enabled\":{(enabled ? "true" : "false")}}}", request.BodyText);
    }

    [Fact]
    public async Task Flagsmith_without_a_feature_state_id_fails_with_manual_steps_and_sends_nothing()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:flagsmith:BaseUrl"] = BaseUrl(server),
            ["Providers:flagsmith:ApiToken"] = "ser.flagsmith-key",
        });

        var outcome = await Client(services, "flagsmith").RollBackAsync(
            Plan("flagsmith", "new_checkout", new FlagState(false), refs: new Dictionary<string, string> { ["environmentApiKey"] = "env" }), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("featureStateId", failed.Reason);
        Assert.Contains("'new_checkout', and switch it off", failed.ManualSteps);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConfigCat_json_patches_the_default_value_with_basic_auth(bool enabled)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:configcat:BaseUrl"] = BaseUrl(server),
            ["Providers:configcat:Username"] = "cc-user",
            ["Providers:configcat:Password"] = "cc-pass:word",
        });
        var refs = new Dictionary<string, string> { ["environmentId"] = "08d86d63-2726-47cd-8bfc-59608ecb91e2", ["settingId"] = "5345" };

        var outcome = await Client(services, "configcat").RollBackAsync(Plan("configcat", "isNewCheckout", new FlagState(enabled), refs: refs), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal("/v2/environments/08d86d63-2726-47cd-8bfc-59608ecb91e2/settings/5345/value", request.Path);
        Assert.StartsWith("?reason=Release%20Guardian", request.Query);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("cc-user:cc-pass:word")), request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var patch = Assert.Single(Json(request).EnumerateArray());
        Assert.Equal("replace", patch.GetProperty("op").GetString());
        Assert.Equal("/defaultValue/boolValue", patch.GetProperty("path").GetString());
        Assert.Equal(enabled, patch.GetProperty("value").GetBoolean());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GrowthBook_toggles_the_feature_in_the_environment_with_a_bearer_token(bool enabled)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:growthbook:BaseUrl"] = BaseUrl(server),
            ["Providers:growthbook:ApiToken"] = "secret_gb",
        });

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "new-checkout", new FlagState(enabled)), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v2/features/new-checkout/toggle", request.Path);
        Assert.Equal("Bearer secret_gb", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var body = Json(request);
        var environments = body.GetProperty("environments");
        Assert.Equal(enabled, environments.GetProperty("production").GetBoolean());
        Assert.Single(environments.EnumerateObject());
        Assert.Contains("rolled back change 'chg-1'", body.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(false, "kill")]
    [InlineData(true, "restore")]
    public async Task Split_kills_or_restores_the_flag_in_the_environment(bool enabled, string endpoint)
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:split:BaseUrl"] = BaseUrl(server),
            ["Providers:split:ApiToken"] = "split-admin-key",
            ["Providers:split:WorkspaceId"] = "ws-123",
        });

        var outcome = await Client(services, "split").RollBackAsync(Plan("split", "new_checkout", new FlagState(enabled), environment: "Production"), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal($"/internal/api/v2/splits/ws/ws-123/new_checkout/environments/Production/{endpoint}", request.Path);
        Assert.Equal("Bearer split-admin-key", request.Header("Authorization"));
        Assert.Contains("No-Go", Json(request).GetProperty("comment").GetString());
    }

    [Fact]
    public async Task An_on_off_provider_reports_a_variant_only_restore_as_not_supported()
    {
        await using var services = Build(new Dictionary<string, string?> { ["Providers:growthbook:ApiToken"] = "x" });

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "f", new FlagState(null, "blue")), default);

        Assert.Contains("'blue'", Assert.IsType<RollbackOutcome.NotSupported>(outcome).Reason);
    }

    [Fact]
    public async Task An_unknown_previous_state_is_not_guessed_and_nothing_is_sent()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:growthbook:BaseUrl"] = BaseUrl(server),
            ["Providers:growthbook:ApiToken"] = "x",
        });

        var outcome = await Client(services, "growthbook").RollBackAsync(Plan("growthbook", "f", new FlagState(null)), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("unknown", failed.Reason);
        Assert.Equal(0, failed.Attempts);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("launchdarkly", "https://app.launchdarkly.com/api/v2/auditlog/65a1f0c2", "previousVersion.environments.production.on")]
    [InlineData("unleash", "https://unleash.example.org/api/admin/events/new_checkout", "feature-environment-enabled")]
    [InlineData("growthbook", "https://api.growthbook.io/api/v1/features/new_checkout/revisions", "Revisions")]
    [InlineData("flagsmith", "https://api.flagsmith.com/api/v1/audit/?project=12&search=new_checkout", "History")]
    [InlineData("configcat", "https://api.configcat.com/v1/products/PRODUCT_ID/auditlogs?configId=cfg-1&environmentId=env-1", "Audit log")]
    [InlineData("split", "https://api.split.io/internal/api/v2/splits/ws/ws-123/new_checkout/environments/env-1", "Audit log")]
    [InlineData("azureappconfig", "az appconfig revision list --endpoint https://contoso.azconfig.io", "--key .appconfig.featureflag/new_checkout")]
    [InlineData("gofeatureflag", "git log -p -- /srv/flags.yaml", "disable")]
    public async Task An_unknown_prior_state_gives_manual_steps_with_the_providers_own_lookup_and_both_restores(string provider, string lookup, string detail)
    {
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:unleash:BaseUrl"] = "https://unleash.example.org",
            ["Providers:split:WorkspaceId"] = "ws-123",
            ["Providers:azureappconfig:Endpoint"] = "https://contoso.azconfig.io",
            ["Providers:gofeatureflag:FlagFile"] = "/srv/flags.yaml",
        });
        var refs = new Dictionary<string, string>
        {
            ["auditLogId"] = "65a1f0c2",
            ["projectId"] = "12",
            ["configId"] = "cfg-1",
            ["environmentId"] = "env-1",
        };

        var outcome = await Client(services, provider).RollBackAsync(Plan(provider, "new_checkout", new FlagState(null), environment: "production", refs: refs), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("unknown", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(lookup, failed.ManualSteps, StringComparison.Ordinal);
        Assert.Contains(detail, failed.ManualSteps, StringComparison.Ordinal);
        Assert.Contains("To turn it off:", failed.ManualSteps, StringComparison.Ordinal);
        Assert.Contains("To turn it on:", failed.ManualSteps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Split_kills_the_flag_in_the_environment_id_a_real_delivery_carries_with_the_configured_workspace()
    {
        await using var server = await LoopbackServer.StartAsync();
        await using var services = Build(new Dictionary<string, string?>
        {
            ["Providers:split:BaseUrl"] = BaseUrl(server),
            ["Providers:split:ApiToken"] = "split-admin-key",
            ["Providers:split:WorkspaceId"] = "ws-123",
        });
        var refs = new Dictionary<string, string> { ["environmentId"] = "eb870720-9179-11ef-86c0-fe8c0d2dbf5a" };

        var outcome = await Client(services, "split").RollBackAsync(Plan("split", "flag_name", new FlagState(false), environment: "Prod-Default", refs: refs), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal("/internal/api/v2/splits/ws/ws-123/flag_name/environments/eb870720-9179-11ef-86c0-fe8c0d2dbf5a/kill", Assert.Single(server.Requests).Path);
    }
}
