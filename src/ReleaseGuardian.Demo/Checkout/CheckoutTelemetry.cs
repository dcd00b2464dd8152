using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>
/// The checkout service's OpenTelemetry sources. Every checkout span and measurement carries the
/// <c>feature_flag.*</c> attributes, so a metrics backend can split the golden signals by variant.
/// </summary>
public static class CheckoutTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "ReleaseGuardian.Demo.Checkout";

    /// <summary>The flag provider's name as telemetry reports it.</summary>
    public const string ProviderName = "flagd";

    /// <summary>One span per checkout.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The service's meter.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Checkouts handled, by flag variant and HTTP status.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("checkout.requests", "{request}");

    /// <summary>Checkout duration in milliseconds, by flag variant and HTTP status.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("checkout.duration", "ms");
}
