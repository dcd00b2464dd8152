using System.Text.Json;
using ReleaseGuardian.Cli.Tests.Support;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Cli.Tests.Commands;

/// <summary><c>guardian send</c> against a real standalone server on loopback with Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SendCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_signed_loadtest_finished_CloudEvent_is_accepted_and_its_instance_id_printed()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.LoadTestFinishedEvent("run-6", p95: 512.3);

        var result = server.Send(file, "--secret", CliServer.EventsSecret);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("checkout:lt-run-6", result.Out, StringComparison.Ordinal);
        Assert.Contains("as application/cloudevents+json, signed with X-Guardian-Signature: 202", result.Out, StringComparison.Ordinal);
        Assert.Contains("releaseguardian.loadtest.finished.v1", result.Out, StringComparison.Ordinal);
        Assert.Contains("guardian status checkout:lt-run-6 --wait", result.Out, StringComparison.Ordinal);
        var status = await server.StatusAsync("checkout:lt-run-6");
        Assert.Equal("checkout:lt-run-6", status?.GetProperty("instanceId").GetString());
        AssertNoSecretPrinted(result, CliServer.EventsSecret, file);
    }

    [Fact]
    public async Task An_API_key_sent_along_never_appears_in_the_status_link_nor_the_output()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.LoadTestFinishedEvent("run-6", p95: 512.3);

        var table = server.Send(file, "--secret", CliServer.EventsSecret, "--api-key", GuardianServer.ApiKey);
        var json = server.Send(file, "--secret", CliServer.EventsSecret, "--api-key", GuardianServer.ApiKey, "--output", "json");

        Assert.True(table.ExitCode == 0, table.ToString());
        // The server no longer writes the key into links (issue 12, finding 6); the CLI still masks a code= that a
        // Functions host's own links carry.
        Assert.Contains("instances/checkout%3Alt-run-6", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("code=", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(GuardianServer.ApiKey, table.All, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var answer = JsonDocument.Parse(json.Out);
        Assert.EndsWith("instances/checkout%3Alt-run-6", answer.RootElement.GetProperty("events")[0].GetProperty("statusQueryGetUri").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(GuardianServer.ApiKey, json.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_exits_3_with_the_servers_401_detail_and_stores_nothing()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.LoadTestFinishedEvent("run-6", p95: 512.3);

        var result = server.Send(file, "--secret", "not-the-secret");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("401 Unauthorized: X-Guardian-Signature: does not match the body", result.Err, StringComparison.Ordinal);
        Assert.Null(await server.StatusAsync("checkout:lt-run-6"));
        Assert.Equal(0, (await server.RunsAsync()).GetProperty("runs").GetArrayLength());
        AssertNoSecretPrinted(result, "not-the-secret", file);
    }

    [Fact]
    public async Task An_unsigned_delivery_is_refused_with_a_hint_and_the_secret_from_GUARDIAN_WEBHOOK_SECRET_signs_it()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.LoadTestFinishedEvent("run-7", p95: 512.3);

        CliResult unsigned, signed;
        using (EnvironmentScope.Clean())
        {
            unsigned = server.Send(file);
        }

        using (new EnvironmentScope(("GUARDIAN_WEBHOOK_SECRET", CliServer.EventsSecret)))
        {
            signed = server.Send(file);
        }

        Assert.Equal(3, unsigned.ExitCode);
        Assert.Contains("X-Guardian-Signature: is missing", unsigned.Err, StringComparison.Ordinal);
        Assert.Contains("hint: pass --secret or set GUARDIAN_WEBHOOK_SECRET to the server's Webhooks:events:Secret", unsigned.Err, StringComparison.Ordinal);
        Assert.True(signed.ExitCode == 0, signed.ToString());
        Assert.Contains("checkout:lt-run-7", signed.Out, StringComparison.Ordinal);
        AssertNoSecretPrinted(signed, CliServer.EventsSecret, file);
    }

    [Fact]
    public async Task A_batch_file_is_sent_as_a_CloudEvents_batch_and_every_instance_is_printed()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.LoadTestFinishedBatch("b-1", "b-2");

        var result = server.Send(file, "--secret", CliServer.EventsSecret);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("as application/cloudevents-batch+json", result.Out, StringComparison.Ordinal);
        Assert.Contains("Accepted 2 events", result.Out, StringComparison.Ordinal);
        Assert.Contains("checkout:lt-b-1", result.Out, StringComparison.Ordinal);
        Assert.Contains("checkout:lt-b-2", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_k6_summary_sent_to_loadtests_k6_carries_guardian_purpose_window_and_test_id_as_query_parameters()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.K6Summary("k6-summary.json");

        var result = server.Send(
            file, "--to", "loadtests/k6", "--secret", CliServer.K6Secret, "--guardian", "checkout", "--purpose", "training",
            "--start", "2026-11-24T09:00:00Z", "--end", "2026-11-24T09:01:00Z", "--test-id", "nightly-42", "--output", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var answer = JsonDocument.Parse(result.Out);
        var accepted = Assert.Single(answer.RootElement.GetProperty("events").EnumerateArray());
        Assert.Equal("checkout:lt-nightly-42", accepted.GetProperty("instanceId").GetString());
        var status = await StatusCommandTests.WaitAsync(server, "checkout:lt-nightly-42");
        var input = status.GetProperty("input");
        Assert.Equal("training", input.GetProperty("purpose").GetString()?.ToLowerInvariant());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), input.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(310.7, input.GetProperty("loadTestSignals").GetProperty("latency.p95").GetDouble(), 6);
        AssertNoSecretPrinted(result, CliServer.K6Secret, file);
    }

    [Fact]
    public async Task A_delivery_the_server_rejects_as_malformed_exits_3_with_the_field_named()
    {
        using var server = await CliServer.StartAsync(azurite);
        var file = server.K6Summary("k6-no-guardian.json");

        var result = server.Send(file, "--to", "loadtests/k6", "--secret", CliServer.K6Secret);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("400 Bad request: guardian: is missing", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--to", "webhooks/k6", "--to: 'webhooks/k6' must be events, flags/<provider>")]
    [InlineData("--to", "loadtests/", "--to: 'loadtests/' must be events")]
    [InlineData("--guardian", "checkout", "--guardian: applies only to --to loadtests/<tool>")]
    [InlineData("--start", "yesterday", "--start: 'yesterday' is not an ISO 8601 time")]
    [InlineData("--purpose", "smoke", "smoke")]
    public void Bad_options_exit_3_naming_the_option_before_anything_is_sent(string option, string value, string expected)
    {
        // Nothing listens on this address: reaching the network would fail differently.
        var result = GuardianCommandLine.Run("send", "event.json", option, value, "--server", "http://127.0.0.1:9/");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_exits_3_naming_the_file()
    {
        var result = GuardianCommandLine.Run("send", "no-such-event.json", "--server", "http://127.0.0.1:9/");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("file: not found: no-such-event.json", result.Err, StringComparison.Ordinal);
    }

    private static void AssertNoSecretPrinted(CliResult result, string secret, string file)
    {
        var signature = GuardianSignature.Sign(secret, File.ReadAllBytes(file));
        Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(signature["sha256=".Length..], result.All, StringComparison.OrdinalIgnoreCase);
    }
}
