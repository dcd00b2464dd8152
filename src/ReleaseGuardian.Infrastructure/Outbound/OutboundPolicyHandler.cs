using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReleaseGuardian.Infrastructure.Outbound;

/// <summary>
/// The primary handler of every outbound HttpClient: refuses URLs with <c>user:password@</c>, non-http(s)
/// schemes and cloud-metadata host names before sending; connects only to addresses the policy allows,
/// checking the address actually connected to after DNS (so a name that resolves, or re-resolves, to an
/// internal address is refused); never follows a redirect; and caps every answer at
/// <see cref="OutboundOptions.MaxResponseBytes"/>. What was refused, and the remote status of failures, goes to the log.
/// </summary>
internal sealed partial class OutboundPolicyHandler : DelegatingHandler
{
    private readonly IOptionsMonitor<OutboundOptions> _options;
    private readonly ILogger _logger;

    public OutboundPolicyHandler(IOptionsMonitor<OutboundOptions> options, ILogger<OutboundPolicyHandler> logger)
    {
        _options = options;
        _logger = logger;
        InnerHandler = new SocketsHttpHandler
        {
            // A redirect would take the request (and a POST body, with its signature) somewhere the definition's
            // URL did not name; 3xx answers are returned as they are and count as failures.
            AllowAutoRedirect = false,
            UseCookies = false,
            // An environment proxy would make the connect check see the proxy, not the destination.
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw OutboundRefusedException.Scheme();
        }

        if (uri.UserInfo.Length > 0)
        {
            LogRefused(_logger, uri.IdnHost, "credentials in the URL");
            throw OutboundRefusedException.Credentials();
        }

        if (OutboundAddresses.IsMetadataHost(uri.IdnHost))
        {
            LogRefused(_logger, uri.IdnHost, "cloud metadata host name");
            throw OutboundRefusedException.Destination();
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var max = _options.CurrentValue.EffectiveMaxResponseBytes;
        if (response.Content.Headers.ContentLength is { } length && length > max)
        {
            LogTooLarge(_logger, uri.IdnHost, length, max);
            response.Dispose();
            throw OutboundRefusedException.TooLarge(max);
        }

        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is not null)
        {
            LogRedirectNotFollowed(_logger, uri.IdnHost, (int)response.StatusCode);
        }

        response.Content = new BoundedContent(response.Content, max);
        return response;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var allowPrivate = _options.CurrentValue.AllowPrivateNetworks;
        if (OutboundAddresses.IsMetadataHost(host))
        {
            LogRefused(_logger, host, "cloud metadata host name");
            throw OutboundRefusedException.Destination();
        }

        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);

        Exception? lastError = null;
        var refused = 0;
        foreach (var address in addresses)
        {
            if (!Allowed(address, allowPrivate))
            {
                refused++;
                continue;
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);

                // The address the socket really reached, not the one asked for, is what counts.
                if (socket.RemoteEndPoint is not IPEndPoint connected || !Allowed(connected.Address, allowPrivate))
                {
                    socket.Dispose();
                    LogRefused(_logger, host, "connected to an internal address");
                    throw OutboundRefusedException.Destination();
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (lastError is null && refused > 0)
        {
            LogRefused(_logger, host, "resolves to internal addresses only");
            throw OutboundRefusedException.Destination();
        }

        throw lastError ?? new HttpRequestException($"{host} has no address");
    }

    private static bool Allowed(IPAddress address, bool allowPrivate) =>
        !OutboundAddresses.IsMetadataAddress(address) && (allowPrivate || !OutboundAddresses.IsInternal(address));

    [LoggerMessage(EventId = 4601, Level = LogLevel.Warning, Message = "Outbound request to {Host} refused: {Why}")]
    private static partial void LogRefused(ILogger logger, string host, string why);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Outbound answer from {Host} announced {Length} bytes, over the cap of {Max}; abandoned")]
    private static partial void LogTooLarge(ILogger logger, string host, long length, long max);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Information, Message = "Outbound answer from {Host} is a redirect (HTTP {Status}); redirects are never followed")]
    private static partial void LogRedirectNotFollowed(ILogger logger, string host, int status);
}
