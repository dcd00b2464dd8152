namespace ReleaseGuardian.Application.Notifications;

/// <summary>Why a notification is sent.</summary>
public enum NotificationKind
{
    /// <summary>A No-Go that was not rolled back (nothing changed, or the policy only notifies).</summary>
    NoGo,

    /// <summary>A No-Go (or an Inconclusive the policy rolls back on) whose change was rolled back.</summary>
    RolledBack,

    /// <summary>The rollback was attempted and failed; someone has to act by hand.</summary>
    RollbackFailed,

    /// <summary>Not enough evidence either way (errors, or every objective info).</summary>
    Inconclusive,

    /// <summary>The change under test was superseded by a newer change, so it was not rolled back.</summary>
    Superseded,

    /// <summary>A release plan's stage event (a stage passed, paused, ended the release), with its evaluation as evidence.</summary>
    ReleaseStage,
}
