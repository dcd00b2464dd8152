using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseGuardian.Cli.Tests.Support;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary><c>guardian status</c> against a real standalone server on loopback with Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StatusCommandTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(512.3, 0, "GO", "go")]
    [InlineData(950.0, 1, "NO-GO", "nogo")]
    [InlineData(null, 2, "INCONCLUSIVE", "inconclusive")]
    public async Task Status_wait_follows_a_sent_run_to_its_verdict_and_exits_with_the_decision(double? p95, int exitCode, string shown, string decision)
    {
        using var server = await CliServer.StartAsync(azurite);
        var sent = server.Send(server.LoadTestFinishedEvent("run-6", p95), "--secret", CliServer.EventsSecret);
        Assert.True(sent.ExitCode == 0, sent.ToString());

        var result = server.Manage("status", "checkout:lt-run-6", "--wait", "--timeout", "60");

        Assert.True(result.ExitCode == exitCode, result.ToString());
        var truth = (await server.StatusAsync("checkout:lt-run-6"))!.Value;
        var output = truth.GetProperty("output");
        Assert.Equal(decision, output.GetProperty("decision").GetString());
        Assert.StartsWith(shown + " ", Field(result.Out, "Decision"), StringComparison.Ordinal);
        Assert.Equal(output.GetProperty("headline").GetString(), Field(result.Out, "Headline"));
        Assert.Equal("Completed", Field(result.Out, "Runtime status"));
        Assert.StartsWith("done", Field(result.Out, "Step"), StringComparison.Ordinal);
        Assert.DoesNotContain(GuardianServer.ApiKey, result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_json_output_is_the_servers_status_document()
    {
        using var server = await CliServer.StartAsync(azurite);
        server.Send(server.LoadTestFinishedEvent("run-6", 512.3), "--secret", CliServer.EventsSecret);

        var result = server.Manage("status", "checkout:lt-run-6", "--wait", "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Out);
        var status = document.RootElement;
        Assert.Equal("checkout:lt-run-6", status.GetProperty("instanceId").GetString());
        Assert.Equal("Completed", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal("done", status.GetProperty("customStatus").GetProperty("step").GetString());
        Assert.Equal(100, status.GetProperty("output").GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task An_unknown_instance_exits_3_with_the_not_found_detail()
    {
        using var server = await CliServer.StartAsync(azurite);

        var result = server.Manage("status", "checkout:lt-nothing", "--wait");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("404 Not found: id: no orchestration instance 'checkout:lt-nothing'", result.Err, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task A_missing_API_key_exits_3_with_the_servers_message_and_a_hint()
    {
        using var server = await CliServer.StartAsync(azurite);

        CliResult status, runs;
        using (EnvironmentScope.Clean())
        {
            status = GuardianCommandLine.Run("status", "checkout:lt-run-6", "--server", server.Url);
            runs = GuardianCommandLine.Run("runs", "checkout", "--server", server.Url);
        }

        foreach (var result in new[] { status, runs })
        {
            Assert.Equal(3, result.ExitCode);
            Assert.Contains("401 Unauthorized: x-functions-key: the API key is missing", result.Err, StringComparison.Ordinal);
            Assert.Contains("hint: pass --api-key or set GUARDIAN_API_KEY", result.Err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_API_key_exits_3_and_the_key_is_never_printed()
    {
        using var server = await CliServer.StartAsync(azurite);

        var result = GuardianCommandLine.Run("status", "checkout:lt-run-6", "--server", server.Url, "--api-key", "guessed-key-123");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("x-functions-key: the API key is wrong", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("guessed-key-123", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_and_key_come_from_GUARDIAN_SERVER_and_GUARDIAN_API_KEY_when_no_option_is_given()
    {
        using var server = await CliServer.StartAsync(azurite);
        server.Send(server.LoadTestFinishedEvent("run-6", 512.3), "--secret", CliServer.EventsSecret);

        CliResult result;
        using (new EnvironmentScope(("GUARDIAN_SERVER", server.Url), ("GUARDIAN_API_KEY", GuardianServer.ApiKey), ("GUARDIAN_WEBHOOK_SECRET", null)))
        {
            result = GuardianCommandLine.Run("status", "checkout:lt-run-6", "--wait");
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("checkout:lt-run-6", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_exits_3_saying_so()
    {
        var result = GuardianCommandLine.Run("status", "checkout:lt-run-6", "--server", $"http://127.0.0.1:{ClosedPort()}/", "--api-key", "k");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("cannot reach the server at http://127.0.0.1:", result.Err, StringComparison.Ordinal);
    }

    /// <summary>Waits for an instance to finish, reading the server directly (not through the CLI under test).</summary>
    internal static async Task<JsonElement> WaitAsync(CliServer server, string instanceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await server.Api.GetAsync($"/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId} did not finish: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(50);
        }
    }

    /// <summary>The value printed after <paramref name="name"/> in the status grid.</summary>
    internal static string Field(string output, string name)
    {
        var line = output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(name + "  ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no '{name}' line in:\n{output}");
        return line[name.Length..].Trim();
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
