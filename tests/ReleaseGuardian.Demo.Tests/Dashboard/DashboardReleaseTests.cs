using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Releases;
using ReleaseGuardian.Infrastructure.Storage;
using ReleaseGuardian.Server.Composition;
using ReleaseGuardian.Server.Dashboard;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Demo.Tests.Dashboard;

/// <summary>
/// Issue 15 item 5: the dashboard shows each release as a row of stages with their percentages and verdicts, served live
/// by the standalone host and in the saved report, in headless Chromium. The releases are recorded in the host's own
/// release store (Azurite) as a running release would have left them; the flag key and the headline are hostile, since a
/// guardian definition (and a flag service) is user input.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardReleaseTests(AzuriteFixture azurite)
{
    private const string ApiKey = "release-dashboard-key";
    private const string HostileKey = "<img src=x onerror=\"window.__pwned=1\">";
    private const string HostileHeadline = "Go on checkout: <script>window.__pwned=2</script>";

    private const string DomQuery = """
        JSON.stringify({
          releases: [...document.querySelectorAll('.release')].map(r => ({
            id: r.dataset.release,
            state: r.dataset.state,
            head: r.querySelector('.release-head').textContent,
            cells: [...r.querySelectorAll('.stage .cell')].map(c => c.textContent),
            stageStates: [...r.querySelectorAll('.stage')].map(s => s.dataset.stageState),
            decisions: [...r.querySelectorAll('.stage')].map(s => s.dataset.decision || null),
            titles: [...r.querySelectorAll('.stage')].map(s => s.getAttribute('title')),
            runLinks: [...r.querySelectorAll('a.stage-run')].map(a => a.dataset.runLink) })),
          timelineKinds: [...document.querySelectorAll('.timeline li')].map(li => li.dataset.kind),
          injected: document.querySelectorAll('.releases img, .releases script').length,
          pwned: window.__pwned || null
        })
        """;

    [Fact]
    public async Task Each_release_is_a_row_of_stage_cells_with_percentages_and_verdicts_and_hostile_text_stays_text()
    {
        var prefix = AzuriteFixture.UniqueName("reldash");
        await using var server = GuardianServerApp.Create([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["Storage:Prefix"] = prefix,
                ["Guardian:ApiKey"] = ApiKey,
                ["Workflow:Enabled"] = "false",
            });
        });
        await server.StartAsync();
        var address = new Uri(server.Urls.First().TrimEnd('/') + "/");
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        using (var put = await http.PutAsync("api/guardians/checkout", new StringContent(Guardian, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var store = new TableReleaseStore(new StorageTables(azurite.Tables(), new StorageOptions { TablePrefix = prefix }));
        var started = DateTimeOffset.UtcNow.AddMinutes(-30);
        var running = Running(started);
        var rolledBack = RolledBack(started.AddMinutes(-60));
        await store.SaveAsync(ReleaseRecords.Of(running));
        await store.SaveAsync(ReleaseRecords.Of(rolledBack));

        var artifacts = Path.Combine(AzuriteFixture.RepositoryRoot(), ".test-results");
        Directory.CreateDirectory(artifacts);
        await using var chromium = await HeadlessChromium.LaunchAsync(CancellationToken.None);
        var live = await InspectAsync(chromium, new Uri(address, $"?code={ApiKey}"), Path.Combine(artifacts, "dashboard-releases.png"));

        var reportPath = Path.Combine(Path.GetTempPath(), $"rg-release-report-{Guid.NewGuid():N}.html");
        var snapshot = await DashboardReport.CollectSnapshotAsync(
            async (route, ct) => JsonDocument.Parse(await http.GetStringAsync(route, ct)).RootElement.Clone(), DateTimeOffset.UtcNow, CancellationToken.None);
        await File.WriteAllTextAsync(reportPath, DashboardReport.Render(snapshot));
        var report = await InspectAsync(chromium, new Uri(reportPath), Path.Combine(artifacts, "dashboard-releases-report.png"));
        File.Delete(reportPath);

        foreach (var page in new[] { live, report })
        {
            var releases = page.GetProperty("releases").EnumerateArray().ToList();
            // Newest first, as the API lists them.
            Assert.Equal([running.ReleaseId, rolledBack.ReleaseId], releases.Select(r => r.GetProperty("id").GetString()));

            var first = releases[0];
            Assert.Equal("running", first.GetProperty("state").GetString());
            Assert.Equal(["10% ✓ go", "50% … validating", "100% pending"], Strings(first, "cells"));
            Assert.Equal(["passed", "validating", "pending"], Strings(first, "stageStates"));
            Assert.Equal(["go", "inconclusive", null], Strings(first, "decisions"));
            Assert.Equal([$"{running.ReleaseId}-s1v1", $"{running.ReleaseId}-s2v1"], Strings(first, "runLinks"));
            // The hostile flag key and headline are shown as the text they are.
            Assert.Contains(HostileKey, first.GetProperty("head").GetString(), StringComparison.Ordinal);
            Assert.Equal(HostileHeadline, Strings(first, "titles")[0]);

            var second = releases[1];
            Assert.Equal("rolled-back", second.GetProperty("state").GetString());
            Assert.Equal(["10% ✗ nogo", "50% pending", "100% pending"], Strings(second, "cells"));

            Assert.Contains("release", Strings(page, "timelineKinds"));
            Assert.Equal(0, page.GetProperty("injected").GetInt32());
            Assert.Equal(JsonValueKind.Null, page.GetProperty("pwned").ValueKind);
        }
    }

    private static List<string?> Strings(JsonElement json, string name) => json.GetProperty(name).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()).ToList();

    private static ReleaseReport Running(DateTimeOffset started)
    {
        var id = ReleaseNames.NewReleaseId(started);
        return new ReleaseReport("checkout", id, ReleaseNames.InstanceId("checkout", id), new FlagBinding("flagd", HostileKey), Plan, ReleaseStates.Running, 2,
            "stage 2/3: 50%, validating",
            [
                new ReleaseStageReport(1, 10, "passed", 1, [new ReleaseEvaluation(1, $"{id}-s1v1", "go", "pass", HostileHeadline)], started, started.AddMinutes(5)),
                new ReleaseStageReport(2, 50, "validating", 0, [new ReleaseEvaluation(1, $"{id}-s2v1", "inconclusive", "error", "Inconclusive on checkout: no data")], started.AddMinutes(5)),
                new ReleaseStageReport(3, 100, "pending", 0, []),
            ],
            "off", started, started.AddMinutes(6));
    }

    private static ReleaseReport RolledBack(DateTimeOffset started)
    {
        var id = ReleaseNames.NewReleaseId(started);
        return new ReleaseReport("checkout", id, ReleaseNames.InstanceId("checkout", id), new FlagBinding("flagd", "new-checkout"), Plan, ReleaseStates.RolledBack, 1,
            "stage 1/3: 10%, No-Go: error rate 9% is above 5%; restored the pre-release state (off)",
            [
                new ReleaseStageReport(1, 10, "failed", 0, [new ReleaseEvaluation(1, $"{id}-s1v1", "nogo", "fail", "No-Go on checkout: error rate")], started, started.AddMinutes(2)),
                new ReleaseStageReport(2, 50, "pending", 0, []),
                new ReleaseStageReport(3, 100, "pending", 0, []),
            ],
            "off", started, started.AddMinutes(2), started.AddMinutes(2));
    }

    private static readonly ReleasePlan Plan = new([new ReleaseStage(10), new ReleaseStage(50), new ReleaseStage(100)]);

    private const string Guardian = """
        {"displayName":"Checkout service","service":"checkout","metrics":{"source":"loadtest"},
         "objectives":[{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800}}]}
        """;

    private static async Task<JsonElement> InspectAsync(HeadlessChromium chromium, Uri url, string screenshot)
    {
        var page = await chromium.NewPageAsync(1400, 1000, CancellationToken.None);
        await page.NavigateAsync(url, CancellationToken.None);
        await page.WaitUntilAsync("document.body && document.body.dataset.ready === 'true'", TimeSpan.FromSeconds(60), CancellationToken.None);
        await page.ScreenshotAsync(screenshot, 1400, CancellationToken.None);
        var dom = await page.EvaluateAsync(DomQuery, CancellationToken.None);
        using var parsed = JsonDocument.Parse(dom.GetString()!);
        return parsed.RootElement.Clone();
    }
}
