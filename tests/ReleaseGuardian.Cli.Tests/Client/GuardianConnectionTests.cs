using CsCheck;
using ReleaseGuardian.Cli.Client;

namespace ReleaseGuardian.Cli.Tests.Client;

/// <summary>Where the CLI connects and with which key: options first, then the environment, then the default.</summary>
public sealed class GuardianConnectionTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    [Fact]
    public void Options_win_over_the_environment()
    {
        var (connection, problem) = GuardianConnection.Resolve(
            "http://10.0.0.5:8080", "option-key",
            Environment(("GUARDIAN_SERVER", "http://env.example:1"), ("GUARDIAN_API_KEY", "env-key")));

        Assert.Null(problem);
        Assert.Equal(new Uri("http://10.0.0.5:8080/"), connection!.Server);
        Assert.Equal("option-key", connection.ApiKey);
    }

    [Fact]
    public void The_environment_is_used_when_no_option_is_given()
    {
        var (connection, _) = GuardianConnection.Resolve(
            null, null, Environment(("GUARDIAN_SERVER", "https://guardian.example/prefix"), ("GUARDIAN_API_KEY", "env-key")));

        Assert.Equal(new Uri("https://guardian.example/prefix/"), connection!.Server);
        Assert.Equal("env-key", connection.ApiKey);
    }

    [Fact]
    public void Without_options_or_environment_the_default_is_the_local_host_and_no_key()
    {
        var (connection, problem) = GuardianConnection.Resolve(null, "", Environment());

        Assert.Null(problem);
        Assert.Equal(new Uri("http://127.0.0.1:7071/"), connection!.Server);
        Assert.Null(connection.ApiKey);
        Assert.DoesNotContain("key", connection.ToString().Replace("no API key", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "ftp://example.org", null)]
    [InlineData("--server", "not a url", null)]
    [InlineData("--server", "http://example.org/?code=1", null)]
    [InlineData("GUARDIAN_SERVER", null, "localhost:7071")]
    public void A_bad_server_address_is_refused_naming_where_it_came_from(string source, string? option, string? environment)
    {
        var (connection, problem) = GuardianConnection.Resolve(option, null, Environment(("GUARDIAN_SERVER", environment ?? "")));

        Assert.Null(connection);
        Assert.StartsWith(source + ":", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_never_appears_in_the_connections_text()
    {
        Gen.String[1, 40].Where(k => k.Trim().Length > 3).Sample(key =>
        {
            var (connection, _) = GuardianConnection.Resolve(null, key, Environment());
            return !connection!.ToString().Contains(key, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_instance_id_survives_the_trip_into_the_status_route()
    {
        Gen.String[1, 80].Where(id => id is not "." and not "..").Sample(id =>
        {
            var route = GuardianClient.Route("runtime/webhooks/durabletask/instances/{id}", ("id", id));
            var segment = new Uri(new Uri("http://127.0.0.1:7071/"), route).AbsolutePath.Split('/')[^1];
            return !route.Contains('?', StringComparison.Ordinal) && Uri.UnescapeDataString(segment) == id;
        });
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void An_id_a_URL_path_cannot_carry_is_refused_with_its_name(string id)
    {
        var refused = Assert.Throws<ArgumentException>(() => GuardianClient.Route("runtime/webhooks/durabletask/instances/{id}", ("id", id)));
        Assert.Equal("id", refused.ParamName);
    }

    [Theory]
    [InlineData("http://h/runtime/webhooks/durabletask/instances/a?code=secret-key", "http://h/runtime/webhooks/durabletask/instances/a?code=***")]
    [InlineData("http://h/x?a=1&CODE=k&b=2", "http://h/x?a=1&CODE=***&b=2")]
    [InlineData("http://h/x?a=1", "http://h/x?a=1")]
    public void A_key_echoed_in_a_status_link_is_masked(string url, string shown)
    {
        Assert.Equal(shown, ServerOutput.Redacted(url));
    }
}
