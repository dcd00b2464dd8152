using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>Rollback log messages. None of them carries a credential, a signature or a request body.</summary>
internal static partial class RollbackLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information,
        Message = "Rolling back {Provider} flag {FlagKey} for guardian {GuardianId} run {RunId} to {RestoreTo}")]
    public static partial void RollingBack(ILogger logger, string provider, string flagKey, string guardianId, string runId, string restoreTo);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
        Message = "Rolled back {Provider} flag {FlagKey} after {Attempts} attempt(s): {Summary}")]
    public static partial void RolledBack(ILogger logger, string provider, string flagKey, int attempts, string summary);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "Rollback of {Provider} flag {FlagKey} failed after {Attempts} attempt(s): {Reason}")]
    public static partial void RollbackFailed(ILogger logger, string provider, string flagKey, int attempts, string reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information,
        Message = "Rollback of {Provider} flag {FlagKey} not supported: {Reason}")]
    public static partial void RollbackNotSupported(ILogger logger, string provider, string flagKey, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning,
        Message = "Rollback call {Method} {Path} answered {Outcome}; retry {Retry} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string method, string path, string outcome, int retry, double delayMs);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information,
        Message = "Precondition failed writing {Provider} flag {FlagKey} (another writer was faster); re-reading, attempt {Attempt}")]
    public static partial void PreconditionFailed(ILogger logger, string provider, string flagKey, int attempt);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning,
        Message = "Rollback call to {Provider} failed in transport: {ExceptionType}: {Detail}")]
    public static partial void TransportFailed(ILogger logger, string provider, string exceptionType, string detail);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning,
        Message = "The {Provider} flag file for flag {FlagKey} could not be edited automatically: {Problem}")]
    public static partial void FileNotEditable(ILogger logger, string provider, string flagKey, string problem);
}
