namespace ReleaseGuardian.Application.Hosting;

/// <summary>Queue names shared by both hosts.</summary>
public static class QueueNames
{
    /// <summary>Inbound CloudEvents JSON, base64 or plain text.</summary>
    public const string GuardianEvents = "guardian-events";

    /// <summary>Messages that failed <see cref="MaxDequeueCount"/> times, with the reason kept beside them.</summary>
    public const string GuardianEventsPoison = "guardian-events-poison";

    /// <summary>How many deliveries a message gets before it goes to the poison queue (the Functions default).</summary>
    public const int MaxDequeueCount = 5;
}
