using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReleaseGuardian.Application.Telemetry;

/// <summary>
/// The product's OpenTelemetry sources: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both
/// named <c>ReleaseGuardian</c>, with OpenTelemetry's <c>feature_flag.*</c> attribute names.
/// </summary>
public static class GuardianTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "ReleaseGuardian";

    /// <summary>Traces of ingestion, judgement and rollback.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>Counters and histograms.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Events accepted, by type and door (<c>releaseguardian.events.accepted</c>).</summary>
    public static readonly Counter<long> EventsAccepted = Meter.CreateCounter<long>("releaseguardian.events.accepted", "{event}");

    /// <summary>Duplicate deliveries answered without storing anything again.</summary>
    public static readonly Counter<long> EventsDuplicate = Meter.CreateCounter<long>("releaseguardian.events.duplicate", "{event}");

    /// <summary>Deliveries rejected, by reason.</summary>
    public static readonly Counter<long> EventsRejected = Meter.CreateCounter<long>("releaseguardian.events.rejected", "{event}");

    /// <summary>Verdicts reached, by decision.</summary>
    public static readonly Counter<long> Verdicts = Meter.CreateCounter<long>("releaseguardian.verdicts", "{verdict}");

    /// <summary>Rollbacks attempted, by result.</summary>
    public static readonly Counter<long> Rollbacks = Meter.CreateCounter<long>("releaseguardian.rollbacks", "{rollback}");

    /// <summary>OpenTelemetry semantic-convention attribute names for feature flags.</summary>
    public static class FeatureFlag
    {
        /// <summary>The flag's key.</summary>
        public const string Key = "feature_flag.key";

        /// <summary>The provider's name.</summary>
        public const string ProviderName = "feature_flag.provider.name";

        /// <summary>The served variant.</summary>
        public const string ResultVariant = "feature_flag.result.variant";

        /// <summary>The served value.</summary>
        public const string ResultValue = "feature_flag.result.value";

        /// <summary>Why that value was served.</summary>
        public const string ResultReason = "feature_flag.result.reason";

        /// <summary>The flag set (project or environment).</summary>
        public const string SetId = "feature_flag.set.id";

        /// <summary>The flag's version (the change id).</summary>
        public const string Version = "feature_flag.version";

        /// <summary>The evaluation context id.</summary>
        public const string ContextId = "feature_flag.context.id";
    }
}
