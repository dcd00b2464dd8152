using System.Text;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Signals;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Metrics.MetricsTestSupport;

namespace ReleaseGuardian.Infrastructure.Tests.Outbound;

/// <summary>
/// Issue 12, finding 5: a 200 MiB Prometheus answer took the server from 240 to 864 MiB. Every answer is now read
/// through the outbound cap (<c>Outbound:MaxResponseBytes</c>) and parsed as it streams; a larger one is abandoned.
/// </summary>
public sealed class OversizedAnswerTests
{
    private const long Huge = 200L * 1024 * 1024;
    private const long Cap = 1024 * 1024;

    // Valid Prometheus JSON that never ends within the cap: one series after another, generated as it is sent.
    private static readonly byte[] Opening = Encoding.UTF8.GetBytes("""{"status":"success","data":{"resultType":"vector","result":[""");
    private static readonly byte[] Series = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("""{"metric":{"pod":"checkout-7d9f"},"value":[1795514460,"0.12"]},""", 500)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_200_MiB_Prometheus_answer_is_abandoned_at_the_cap_and_measures_nothing(bool announceLength)
    {
        await using var server = await StreamingServer.StartAsync(announceLength);
        await using var services = Services(new Dictionary<string, string?> { ["Outbound:MaxResponseBytes"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var guardian = Guardian(new MetricsSourceSpec(MetricsSources.Prometheus, Url: server.BaseAddress, TimeoutSeconds: 60), SignalNames.LatencyP95);

        var measured = await MeasureAsync(services, Request(guardian));

        // No value: an unmeasured signal, which the judge turns into Inconclusive, never Go.
        Assert.Empty(measured.Values);
        Assert.Contains("Outbound:MaxResponseBytes", measured.Failures[SignalNames.LatencyP95]);
        // The reader stopped near the cap: what the socket accepted before the client hung up is the cap plus kernel
        // buffers, nowhere near 200 MiB (the headroom covers loopback buffers on any machine).
        var sent = await server.SentAsync();
        Assert.True(sent < 64L * 1024 * 1024, $"the server got {sent:N0} bytes out");
    }

    /// <summary>
    /// A loopback HTTP/1.1 server on a raw socket that generates the 200 MiB answer as it sends it. Not Kestrel:
    /// Kestrel turns writes after the client has gone into silent no-ops, so it cannot count what really left.
    /// </summary>
    private sealed class StreamingServer : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener;
        private readonly Task<long> _serving;

        private StreamingServer(System.Net.Sockets.TcpListener listener, bool announceLength)
        {
            _listener = listener;
            _serving = Task.Run(() => ServeAsync(announceLength));
        }

        public string BaseAddress => $"http://127.0.0.1:{((System.Net.IPEndPoint)_listener.LocalEndpoint).Port}/";

        public static Task<StreamingServer> StartAsync(bool announceLength)
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new StreamingServer(listener, announceLength));
        }

        public async Task<long> SentAsync() => await _serving.WaitAsync(TimeSpan.FromMinutes(2));

        private async Task<long> ServeAsync(bool announceLength)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            var request = new byte[8192];
            _ = await stream.ReadAsync(request);
            var sent = 0L;
            try
            {
                var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                           (announceLength ? $"Content-Length: {Opening.Length + (Huge / Series.Length * Series.Length)}\r\n" : "Transfer-Encoding: chunked\r\n") +
                           "\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await WriteAsync(stream, Opening, announceLength);
                while (sent < Huge - Series.Length)
                {
                    await WriteAsync(stream, Series, announceLength);
                    sent += Series.Length;
                }
            }
            catch (IOException)
            {
                // The client hung up, which is the point.
            }

            return sent;
        }

        private static async Task WriteAsync(Stream stream, byte[] data, bool raw)
        {
            if (!raw)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"));
            }

            await stream.WriteAsync(data);
            if (!raw)
            {
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            try
            {
                await _serving.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or TimeoutException or IOException)
            {
            }
        }
    }

    [Fact]
    public async Task An_answer_just_under_the_cap_is_still_read()
    {
        // Padding inside a valid answer, so its size is near the cap but not over it.
        var padding = new string(' ', (int)Cap - 200);
        var body = """{"status":"success","data":{"resultType":"scalar","result":[1795514460,"0.25"]}""" + padding + "}";
        await using var server = await LoopbackServer.StartAsync((_, context) => Json(context, body));
        await using var services = Services(new Dictionary<string, string?> { ["Outbound:MaxResponseBytes"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var guardian = Guardian(new MetricsSourceSpec(MetricsSources.Prometheus, Url: server.BaseAddress.ToString(), TimeoutSeconds: 30), SignalNames.LatencyP95);

        var measured = await MeasureAsync(services, Request(guardian));

        Assert.Equal(0.25, measured.Values[SignalNames.LatencyP95]);
    }
}
