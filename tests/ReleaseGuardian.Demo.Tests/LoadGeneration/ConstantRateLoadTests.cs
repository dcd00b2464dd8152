using System.Net;
using System.Text.Json;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Tests.LoadGeneration;

public sealed class ConstantRateLoadTests
{
    private static readonly Uri Target = new("http://checkout.invalid/checkout");

    [Fact]
    public async Task A_busy_machines_queueing_does_not_count_as_the_services_latency()
    {
        // Every answer waits a second before the client sees it (a starved CPU), while the service says it took 7 ms.
        using var client = new HttpClient(new Answering(TimeSpan.FromSeconds(1), HttpStatusCode.OK, "checkout;dur=7"));

        var result = await ConstantRateLoad.RunAsync(client, Target, new LoadProfile(20, TimeSpan.FromSeconds(1)));

        Assert.Equal(20, result.Requests);
        Assert.All(result.LatenciesMs, ms => Assert.True(ms >= 900, $"the client saw {ms} ms"));
        Assert.All(result.ServiceLatenciesMs, ms => Assert.Equal(7, ms));
        var duration = JsonDocument.Parse(K6Summary.ToJson(result)).RootElement
            .GetProperty("metrics").GetProperty("http_req_duration").GetProperty("values");
        Assert.Equal(7, duration.GetProperty("p(95)").GetDouble());
        Assert.Equal(7, duration.GetProperty("max").GetDouble());
    }

    [Fact]
    public async Task An_answer_without_the_services_timing_counts_with_the_clients_duration()
    {
        using var client = new HttpClient(new Answering(TimeSpan.Zero, HttpStatusCode.BadGateway, serverTiming: null));

        var result = await ConstantRateLoad.RunAsync(client, Target, new LoadProfile(10, TimeSpan.FromSeconds(1)));

        Assert.Equal(10, result.Failures);
        Assert.Equal(result.LatenciesMs, result.ServiceLatenciesMs);
    }

    private sealed class Answering(TimeSpan wait, HttpStatusCode status, string? serverTiming) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(wait, cancellationToken);
            var response = new HttpResponseMessage(status) { RequestMessage = request };
            if (serverTiming is not null)
            {
                response.Headers.TryAddWithoutValidation(ServerTiming.HeaderName, serverTiming);
            }

            return response;
        }
    }
}
