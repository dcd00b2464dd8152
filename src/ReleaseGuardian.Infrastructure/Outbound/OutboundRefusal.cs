namespace ReleaseGuardian.Infrastructure.Outbound;

/// <summary>Why the outbound policy stopped a request.</summary>
public enum OutboundRefusalKind
{
    /// <summary>The destination is internal (loopback, private, link-local, ...) or a cloud metadata endpoint.</summary>
    Destination,

    /// <summary>The URL carries <c>user:password@</c>.</summary>
    Credentials,

    /// <summary>The URL is not absolute http or https.</summary>
    Scheme,

    /// <summary>The answer is larger than <c>Outbound:MaxResponseBytes</c>.</summary>
    TooLarge,
}

/// <summary>
/// A request the outbound policy refused, or an answer it abandoned. Its message names the setting involved and
/// never the address or port connected to, so it is safe to put in a verdict or a rollback outcome.
/// </summary>
public sealed class OutboundRefusedException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    public OutboundRefusedException(OutboundRefusalKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    /// <summary>What was refused.</summary>
    public OutboundRefusalKind Kind { get; }

    /// <summary>The refusal in <paramref name="exception"/> or any exception inside it, or null.</summary>
    public static OutboundRefusedException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OutboundRefusedException refusal)
            {
                return refusal;
            }

            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find(inner) is { } found)
                    {
                        return found;
                    }
                }
            }
        }

        return null;
    }

    internal static OutboundRefusedException Destination() => new(
        OutboundRefusalKind.Destination,
        $"the destination is an internal or cloud-metadata address, which the outbound policy refuses (set {OutboundOptions.Section}:AllowPrivateNetworks=true to allow internal networks)");

    internal static OutboundRefusedException Credentials() => new(
        OutboundRefusalKind.Credentials,
        "the URL carries user:password@ credentials, which the outbound policy refuses; credentials come from operator configuration");

    internal static OutboundRefusedException Scheme() => new(
        OutboundRefusalKind.Scheme, "the URL is not an absolute http or https URL");

    internal static OutboundRefusedException TooLarge(long max) => new(
        OutboundRefusalKind.TooLarge,
        $"the answer is larger than {OutboundOptions.Section}:MaxResponseBytes ({max:N0} bytes) and was abandoned");
}
