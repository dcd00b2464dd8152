namespace ReleaseGuardian.Application.Hosting;

/// <summary>
/// The <see cref="HttpRoutes"/> templates without the <c>api/</c> prefix, as the Functions host declares them:
/// host.json's <c>routePrefix</c> adds <c>api/</c>, and attribute arguments (<c>HttpTrigger(Route = ...)</c>)
/// must be compile-time constants, so <see cref="HttpRoutes.WithoutApiPrefix"/> cannot be used there.
/// <see cref="HttpRoutes"/> is built from these, so the two cannot differ.
/// </summary>
public static class FunctionRoutes
{
    /// <summary>POST: flag-service webhooks.</summary>
    public const string FlagWebhook = "webhooks/flags/{provider}";

    /// <summary>POST: load-test results and completion events.</summary>
    public const string LoadTestWebhook = "webhooks/loadtests/{tool}";

    /// <summary>POST and OPTIONS: CloudEvents and the validation handshakes.</summary>
    public const string Events = "events";

    /// <summary>GET: every guardian.</summary>
    public const string Guardians = "guardians";

    /// <summary>PUT, GET, DELETE: one guardian definition.</summary>
    public const string Guardian = "guardians/{id}";

    /// <summary>POST: evaluate a time window now.</summary>
    public const string Evaluations = "guardians/{id}/evaluations";

    /// <summary>GET: a guardian's runs, newest first.</summary>
    public const string Runs = "guardians/{id}/runs";

    /// <summary>GET: one run with its full evidence.</summary>
    public const string Run = "guardians/{id}/runs/{runId}";

    /// <summary>POST: remove a run from the baseline.</summary>
    public const string InvalidateRun = "guardians/{id}/runs/{runId}/invalidate";

    /// <summary>POST: start training again.</summary>
    public const string ResetBaseline = "guardians/{id}/baseline/reset";

    /// <summary>GET: a guardian's timeline.</summary>
    public const string Timeline = "guardians/{id}/timeline";

    /// <summary>POST: start baseline training (<c>{"runs"?, "timeoutMinutes"?}</c>).</summary>
    public const string Training = "guardians/{id}/training";

    /// <summary>POST: cancel a training instance.</summary>
    public const string CancelTraining = "guardians/{id}/training/{instanceId}/cancel";

    /// <summary>A guardian's release plans: start (POST) and list (GET).</summary>
    public const string Releases = "guardians/{id}/releases";

    /// <summary>One release with its stages.</summary>
    public const string Release = "guardians/{id}/releases/{releaseId}";

    /// <summary>Approves a release that waits for approval.</summary>
    public const string ApproveRelease = "guardians/{id}/releases/{releaseId}/approve";

    /// <summary>Pauses a release.</summary>
    public const string PauseRelease = "guardians/{id}/releases/{releaseId}/pause";

    /// <summary>Resumes a paused release (the stage is validated again).</summary>
    public const string ResumeRelease = "guardians/{id}/releases/{releaseId}/resume";

    /// <summary>Aborts a release: the flag's pre-release state is restored.</summary>
    public const string AbortRelease = "guardians/{id}/releases/{releaseId}/abort";

    /// <summary>GET: notifications.</summary>
    public const string Notifications = "notifications";
}
