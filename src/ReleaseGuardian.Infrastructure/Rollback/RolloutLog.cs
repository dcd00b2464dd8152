using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>Rollout log messages (capture, set, restore). None of them carries a credential or a request body.</summary>
internal static partial class RolloutLog
{
    [LoggerMessage(EventId = 4130, Level = LogLevel.Information, Message = "Captured {Provider} flag {FlagKey}: {Summary}")]
    public static partial void Captured(ILogger logger, string provider, string flagKey, string summary);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "{Provider} flag {FlagKey}: {Action} done: {Detail}")]
    public static partial void Written(ILogger logger, string provider, string flagKey, string action, string detail);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Warning, Message = "{Provider} flag {FlagKey}: {Action} failed: {Detail}")]
    public static partial void WriteFailed(ILogger logger, string provider, string flagKey, string action, string detail);
}
