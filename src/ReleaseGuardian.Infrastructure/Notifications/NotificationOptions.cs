namespace ReleaseGuardian.Infrastructure.Notifications;

/// <summary>Configuration under <c>Notifications</c>: how hard a delivery tries.</summary>
public sealed class NotificationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Notifications";

    /// <summary>Retries after the first attempt on 5xx, 408, 429 and transport errors (<c>Notifications:MaxRetries</c>, default 3).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay in ms, growing exponentially with jitter (<c>Notifications:RetryBaseDelayMs</c>, default 1000).</summary>
    public int RetryBaseDelayMs { get; set; } = 1000;

    /// <summary>One attempt's timeout (<c>Notifications:AttemptTimeoutSeconds</c>, default 10).</summary>
    public double AttemptTimeoutSeconds { get; set; } = 10;

    /// <summary>The whole delivery's timeout, retries included (<c>Notifications:TotalTimeoutSeconds</c>, default 60).</summary>
    public double TotalTimeoutSeconds { get; set; } = 60;
}
