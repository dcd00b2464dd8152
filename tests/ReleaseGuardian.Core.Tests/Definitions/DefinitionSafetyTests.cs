using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Tests.Definitions;

/// <summary>
/// Issue 12: what a definition names ends up in URL paths (findings 3 and 7). A flag key, project or environment that
/// cannot stay one path segment, and a URL carrying user:password@, are refused with the field named.
/// </summary>
public sealed class DefinitionSafetyTests
{
    private static string Definition(string flag, string metrics = """{ "source": "loadtest" }""", string notify = "[]") => $$"""
        {
          "id": "checkout",
          "service": "checkout",
          "flag": {{flag}},
          "metrics": {{metrics}},
          "objectives": [ { "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "failure": 800 } } ],
          "policy": { "rollbackOn": ["nogo"], "notify": {{notify}} }
        }
        """;

    private static DefinitionError SingleError(string json)
    {
        var result = GuardianDefinitionJson.Parse(json);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("key", "..")]
    [InlineData("key", ".")]
    [InlineData("key", "a/b")]
    [InlineData("key", "a\\\\b")]
    [InlineData("key", "%2e%2e")]
    [InlineData("key", "a;b")]
    [InlineData("key", "a?b")]
    [InlineData("key", "a#b")]
    [InlineData("key", "a\\u0000b")]
    [InlineData("project", "..")]
    [InlineData("project", "team/../admin")]
    [InlineData("environment", "..")]
    public void A_flag_name_that_cannot_stay_one_url_path_segment_is_refused_naming_the_field(string field, string value)
    {
        var names = new Dictionary<string, string> { ["key"] = "new-checkout", ["project"] = "shop", ["environment"] = "production" };
        names[field] = value;
        var flag = $$"""{ "provider": "launchdarkly", "key": "{{names["key"]}}", "project": "{{names["project"]}}", "environment": "{{names["environment"]}}" }""";

        var error = SingleError(Definition(flag));

        Assert.Equal($"flag.{field}", error.Path);
    }

    [Theory]
    [InlineData("new-checkout")]
    [InlineData("new.checkout")]
    [InlineData("..new")]
    [InlineData("Checkout V2")]
    [InlineData("checkout:v2")]
    [InlineData("nouveau-paiement-é")]
    public void Ordinary_flag_keys_are_accepted(string key)
    {
        var result = GuardianDefinitionJson.Parse(Definition($$"""{ "provider": "launchdarkly", "key": "{{key}}" }"""));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void A_Prometheus_url_with_credentials_is_refused_naming_metrics_url()
    {
        var error = SingleError(Definition("""{ "provider": "launchdarkly", "key": "new-checkout" }""",
            metrics: """{ "source": "prometheus", "url": "http://admin:s3cret@prometheus.example.org:9090" }"""));

        Assert.Equal("metrics.url", error.Path);
        Assert.Contains("user:password@", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void A_notification_url_with_credentials_is_refused_naming_the_target()
    {
        var error = SingleError(Definition("""{ "provider": "launchdarkly", "key": "new-checkout" }""",
            notify: """[ { "type": "webhook", "url": "https://example.org/ok" }, { "type": "webhook", "url": "https://bob:pw@example.org/hook" } ]"""));

        Assert.Equal("policy.notify[1].url", error.Path);
    }

    [Fact]
    public void A_hook_url_with_credentials_is_refused_naming_flag_settings_url()
    {
        var error = SingleError(Definition("""{ "provider": "http", "key": "new-checkout", "settings": { "url": "https://bob:pw@hooks.example.org/rollback" } }"""));

        Assert.Equal("flag.settings.url", error.Path);
    }

    [Fact]
    public void An_azure_monitor_workspace_id_of_dot_dot_is_refused_naming_metrics_workspaceId()
    {
        var error = SingleError(Definition("""{ "provider": "launchdarkly", "key": "new-checkout" }""",
            metrics: """{ "source": "azuremonitor", "workspaceId": "..", "table": "AppRequests" }"""));

        Assert.Equal("metrics.workspaceId", error.Path);
    }
}
