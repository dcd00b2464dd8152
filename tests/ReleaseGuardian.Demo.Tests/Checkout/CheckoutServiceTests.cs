using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Tests.Checkout;

public sealed class CheckoutServiceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rg-checkout-").FullName;

    private string FlagFile => Path.Combine(_folder, "flags.json");

    [Fact]
    public async Task With_the_flag_off_every_checkout_succeeds_and_its_span_carries_the_feature_flag_attributes()
    {
        File.WriteAllText(FlagFile, FlagdFlagFile.Create("new-checkout", on: false));
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);
        await using var service = await CheckoutService.StartAsync(FlagFile);
        using var client = new HttpClient();

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsync(service.CheckoutUri, new StringContent("{}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"classic\"", await response.Content.ReadAsStringAsync());
        }

        // The listener hears every checkout service in the process (other tests run in parallel): keep this one's.
        var span = spans.First(s => s.OperationName == "checkout" && Equals(s.GetTagItem("server.port"), service.BaseAddress.Port));
        Assert.Equal("new-checkout", span.GetTagItem(GuardianTelemetry.FeatureFlag.Key));
        Assert.Equal("off", span.GetTagItem(GuardianTelemetry.FeatureFlag.ResultVariant));
        Assert.Equal("flagd", span.GetTagItem(GuardianTelemetry.FeatureFlag.ProviderName));
    }

    [Fact]
    public async Task Under_a_fractional_rollout_only_the_users_in_its_share_get_the_failing_new_checkout_and_the_service_counts_them()
    {
        // The fractional form a release writes (FlagdFlagText.Fractional): the new variant first, the default after it.
        File.WriteAllText(FlagFile, """
            {"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off",
             "targeting":{"fractional":[["on",10],["off",90]]}}}}
            """);
        await using var service = await CheckoutService.StartAsync(FlagFile, new CheckoutServiceOptions { FailureShareWhenOn = 1.0, ExtraLatencyWhenOn = (0, 0) });
        using var client = new HttpClient();
        var users = Enumerable.Range(1, 200).Select(LoadProfile.UserName).ToList();
        FractionalBucket[] rollout = [new("on", 10), new("off", 90)];
        var expectedOnNewCode = users.Where(u => FlagdFractional.Variant(FlagdFractional.BucketingValue("new-checkout", u), rollout) == "on").ToHashSet();

        foreach (var user in users.Concat(users))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, service.CheckoutUri) { Content = new StringContent("{}") };
            request.Headers.Add(CheckoutService.UserHeader, user);
            using var response = await client.SendAsync(request);
            // Users in the 10% fail (the new checkout fails every time here); everyone else keeps the classic checkout.
            Assert.Equal(expectedOnNewCode.Contains(user) ? HttpStatusCode.InternalServerError : HttpStatusCode.OK, response.StatusCode);
        }

        Assert.NotEmpty(expectedOnNewCode);
        Assert.Equal((200, expectedOnNewCode.Count), (service.Users.Served, service.Users.OnNewCode));
        var served = JsonDocument.Parse(await client.GetStringAsync(new Uri(service.BaseAddress, $"flags/new-checkout?user={expectedOnNewCode.First()}"))).RootElement;
        Assert.Equal(("on", "TARGETING_MATCH"), (served.GetProperty("variant").GetString(), served.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Switching_the_flagd_file_on_makes_the_new_checkout_fail_and_switching_it_back_recovers()
    {
        File.WriteAllText(FlagFile, FlagdFlagFile.Create("new-checkout", on: false));
        await using var service = await CheckoutService.StartAsync(FlagFile, new CheckoutServiceOptions { FailureShareWhenOn = 1.0, ExtraLatencyWhenOn = (1, 2) });
        using var client = new HttpClient();

        await FlagdFlagFile.SetDefaultVariantAsync(FlagFile, "new-checkout", "on", CancellationToken.None);
        Assert.Equal("on", service.Flag.Variant);
        using (var failing = await client.PostAsync(service.CheckoutUri, new StringContent("{}")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
        }

        var served = JsonDocument.Parse(await client.GetStringAsync(new Uri(service.BaseAddress, "flags/new-checkout"))).RootElement;
        Assert.Equal("on", served.GetProperty("variant").GetString());
        Assert.True(served.GetProperty("value").GetBoolean());

        await FlagdFlagFile.SetDefaultVariantAsync(FlagFile, "new-checkout", "off", CancellationToken.None);
        using var recovered = await client.PostAsync(service.CheckoutUri, new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Each_checkout_reports_its_own_handling_time_and_the_new_checkouts_injected_slowness_is_inside_it()
    {
        File.WriteAllText(FlagFile, FlagdFlagFile.Create("new-checkout", on: false));
        await using var service = await CheckoutService.StartAsync(FlagFile, new CheckoutServiceOptions { FailureShareWhenOn = 0, ExtraLatencyWhenOn = (300, 300) });
        using var client = new HttpClient();

        using (var classic = await client.PostAsync(service.CheckoutUri, new StringContent("{}")))
        {
            Assert.NotNull(ServerTiming.Parse(classic.Headers.GetValues(ServerTiming.HeaderName)));
        }

        await FlagdFlagFile.SetDefaultVariantAsync(FlagFile, "new-checkout", "on", CancellationToken.None);
        using var slow = await client.PostAsync(service.CheckoutUri, new StringContent("{}"));

        // A lower bound only: the service waits at least the injected 300 ms, however busy the machine is.
        Assert.True(ServerTiming.Parse(slow.Headers.GetValues(ServerTiming.HeaderName)) >= 300);
    }

    [Fact]
    public async Task The_notification_hook_keeps_what_it_receives()
    {
        File.WriteAllText(FlagFile, FlagdFlagFile.Create("new-checkout", on: false));
        await using var service = await CheckoutService.StartAsync(FlagFile);
        using var client = new HttpClient();

        using var response = await client.PostAsync(service.NotificationHook, new StringContent("""{"kind":"rolledback"}"""));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("""{"kind":"rolledback"}""", Assert.Single(service.Notifications));
    }

    [Theory]
    [InlineData("""{"flags":{"new-checkout":{"state":"DISABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}}""", false, null, "DISABLED")]
    [InlineData("""{"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}}""", true, "on", "STATIC")]
    [InlineData("""{"flags":{"new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"blue"}}}""", false, null, "ERROR")]
    [InlineData("""{"flags":{"other":{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on"}}}""", false, null, "ERROR")]
    public void A_flag_evaluates_as_flagd_serves_it_without_targeting(string document, bool value, string? variant, string reason)
    {
        var evaluation = FlagdFlagFile.Evaluate(document, "new-checkout");

        Assert.Equal(new FlagEvaluation("new-checkout", value, variant, reason), evaluation);
    }

    [Fact]
    public async Task Switching_the_default_variant_keeps_every_other_flag_and_property()
    {
        File.WriteAllText(FlagFile, """
            {"$schema":"https://flagd.dev/schema/v0/flags.json","flags":{
              "new-checkout":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off","targeting":{}},
              "dark-mode":{"state":"DISABLED","variants":{"on":true,"off":false},"defaultVariant":"on"}}}
            """);

        await FlagdFlagFile.SetDefaultVariantAsync(FlagFile, "new-checkout", "on", CancellationToken.None);

        var root = JsonDocument.Parse(File.ReadAllText(FlagFile)).RootElement;
        Assert.Equal("https://flagd.dev/schema/v0/flags.json", root.GetProperty("$schema").GetString());
        var flags = root.GetProperty("flags");
        Assert.Equal("on", flags.GetProperty("new-checkout").GetProperty("defaultVariant").GetString());
        Assert.Equal(JsonValueKind.Object, flags.GetProperty("new-checkout").GetProperty("targeting").ValueKind);
        Assert.Equal("DISABLED", flags.GetProperty("dark-mode").GetProperty("state").GetString());
        Assert.Equal("on", flags.GetProperty("dark-mode").GetProperty("defaultVariant").GetString());
        await Assert.ThrowsAsync<InvalidDataException>(() =>
            FlagdFlagFile.SetDefaultVariantAsync(FlagFile, "new-checkout", "blue", CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ActivityListener Listen(ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CheckoutTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
