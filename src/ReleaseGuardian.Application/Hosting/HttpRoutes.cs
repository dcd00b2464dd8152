namespace ReleaseGuardian.Application.Hosting;

/// <summary>
/// Route templates of the external contract (DESIGN.md §4). Both hosts map exactly these, so the
/// standalone server and the Functions app cannot drift apart. Templates carry no leading slash and
/// include the <c>api/</c> prefix where the contract has it; the Functions host declares the
/// <see cref="FunctionRoutes"/> forms, because its route prefix adds <c>api/</c>.
/// </summary>
public static class HttpRoutes
{
    /// <summary>The route prefix Azure Functions adds to HTTP triggers.</summary>
    public const string ApiPrefix = "api/";

    /// <summary>POST: flag-service webhooks.</summary>
    public const string FlagWebhook = ApiPrefix + FunctionRoutes.FlagWebhook;

    /// <summary>POST: load-test results and completion events.</summary>
    public const string LoadTestWebhook = ApiPrefix + FunctionRoutes.LoadTestWebhook;

    /// <summary>POST and OPTIONS: CloudEvents 1.0 (structured, binary, batch) and the validation handshakes.</summary>
    public const string Events = ApiPrefix + FunctionRoutes.Events;

    /// <summary>GET: every guardian.</summary>
    public const string Guardians = ApiPrefix + FunctionRoutes.Guardians;

    /// <summary>PUT, GET, DELETE: one guardian definition.</summary>
    public const string Guardian = ApiPrefix + FunctionRoutes.Guardian;

    /// <summary>POST: evaluate a time window now.</summary>
    public const string Evaluations = ApiPrefix + FunctionRoutes.Evaluations;

    /// <summary>GET: a guardian's runs, newest first.</summary>
    public const string Runs = ApiPrefix + FunctionRoutes.Runs;

    /// <summary>GET: one run with its full evidence.</summary>
    public const string Run = ApiPrefix + FunctionRoutes.Run;

    /// <summary>POST: remove a run from the baseline.</summary>
    public const string InvalidateRun = ApiPrefix + FunctionRoutes.InvalidateRun;

    /// <summary>POST: start baseline training.</summary>
    public const string Training = ApiPrefix + FunctionRoutes.Training;

    /// <summary>POST: cancel a training instance.</summary>
    public const string CancelTraining = ApiPrefix + FunctionRoutes.CancelTraining;

    /// <summary>A guardian's release plans: start (POST) and list (GET).</summary>
    public const string Releases = ApiPrefix + FunctionRoutes.Releases;

    /// <summary>One release with its stages.</summary>
    public const string Release = ApiPrefix + FunctionRoutes.Release;

    /// <summary>Approves a release that waits for approval.</summary>
    public const string ApproveRelease = ApiPrefix + FunctionRoutes.ApproveRelease;

    /// <summary>Pauses a release.</summary>
    public const string PauseRelease = ApiPrefix + FunctionRoutes.PauseRelease;

    /// <summary>Resumes a paused release (the stage is validated again).</summary>
    public const string ResumeRelease = ApiPrefix + FunctionRoutes.ResumeRelease;

    /// <summary>Aborts a release: the flag's pre-release state is restored.</summary>
    public const string AbortRelease = ApiPrefix + FunctionRoutes.AbortRelease;

    /// <summary>POST: start training again.</summary>
    public const string ResetBaseline = ApiPrefix + FunctionRoutes.ResetBaseline;

    /// <summary>GET: flag changes, load tests, chaos results, verdicts and rollbacks, newest first.</summary>
    public const string Timeline = ApiPrefix + FunctionRoutes.Timeline;

    /// <summary>GET: notifications, filterable by guardian.</summary>
    public const string Notifications = ApiPrefix + FunctionRoutes.Notifications;

    /// <summary>GET: orchestration status (built into Durable Functions; the same shape in the standalone host).</summary>
    public const string OrchestrationStatus = "runtime/webhooks/durabletask/instances/{id}";

    /// <summary>GET: liveness of the standalone host.</summary>
    public const string Health = "healthz";

    /// <summary>A template without the <c>api/</c> prefix, for Functions' <c>HttpTrigger(Route = ...)</c>.</summary>
    public static string WithoutApiPrefix(string template) =>
        template.StartsWith(ApiPrefix, StringComparison.Ordinal) ? template[ApiPrefix.Length..] : template;
}
