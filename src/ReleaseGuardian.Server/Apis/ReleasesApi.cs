using System.Text.Json;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Infrastructure.HttpApi;
using ReleaseGuardian.Server.Http;

namespace ReleaseGuardian.Server.Apis;

/// <summary>Release plans: start (202 with the check-status payload), list, read, and the four controls; behind the API key.</summary>
internal static class ReleasesApi
{
    public static IEndpointRouteBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/").RequireManagementKey().WithTags("Releases");
        api.MapPost(HttpRoutes.Releases, (string id, HttpContext http, ReleaseEndpoints releases) =>
                ApiExchange.RespondAsync(http, request => releases.StartAsync(id, request, ApiExchange.CheckStatusFor(http.Request), http.RequestAborted)))
            .WithName("StartRelease").WithSummary("Starts a progressive release of the guardian's flag: stage by stage, each validated and judged before the next.")
            .Body<JsonElement>("The plan: {\"stages\":[{\"rollout\":10,\"hold\":\"PT10M\"},{\"rollout\":100}], \"validate\":\"loadtest|window\", \"approval\":\"auto|manual\", \"requiredPasses\":1, \"approvalTimeout\":\"PT24H\", \"variant\"?}.")
            .Returns<CheckStatusDocument>(StatusCodes.Status202Accepted, "Started: the check-status payload; Location is its statusQueryGetUri.")
            .Problem(StatusCodes.Status400BadRequest, "The plan is invalid, the flag cannot run it (on/off only: stages[1]), or validate is loadtest without a loadTest section; field names it.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.")
            .Problem(StatusCodes.Status409Conflict, "flag: another release runs on the flag (named), the guardian has no flag, or the flag cannot be read.")
            .TooLarge();
        api.MapGet(HttpRoutes.Releases, (string id, HttpContext http, ReleaseEndpoints releases) =>
                ApiExchange.RespondAsync(http, request => releases.ListAsync(id, request, http.RequestAborted)))
            .WithName("ListReleases").WithSummary("A guardian's releases with their stages, newest first.")
            .Paged()
            .Returns<JsonElement>(StatusCodes.Status200OK, "{guardian, releases:[...], continuation}.")
            .Problem(StatusCodes.Status404NotFound, "id: no such guardian.");
        api.MapGet(HttpRoutes.Release, (string id, string releaseId, HttpContext http, ReleaseEndpoints releases) =>
                ApiExchange.RespondAsync(http, _ => releases.GetAsync(id, releaseId, http.RequestAborted)))
            .WithName("GetRelease").WithSummary("One release: its plan, state, stages with rollouts, evaluations and passes, and its live status.")
            .Returns<JsonElement>(StatusCodes.Status200OK, "The release (docs/releases.md).")
            .Problem(StatusCodes.Status404NotFound, "releaseId: no such release of the guardian.");
        foreach (var (route, action, name, summary) in new[]
        {
            (HttpRoutes.ApproveRelease, ReleaseActions.Approve, "ApproveRelease", "Approves a release that waits for approval (or was paused by the approval timeout)."),
            (HttpRoutes.PauseRelease, ReleaseActions.Pause, "PauseRelease", "Pauses a release; a hold wakes at once."),
            (HttpRoutes.ResumeRelease, ReleaseActions.Resume, "ResumeRelease", "Resumes a paused release: its stage is validated again."),
            (HttpRoutes.AbortRelease, ReleaseActions.Abort, "AbortRelease", "Aborts a release: the flag's exact pre-release state is restored; a hold wakes at once."),
        })
        {
            api.MapPost(route, (string id, string releaseId, HttpContext http, ReleaseEndpoints releases) =>
                    ApiExchange.RespondAsync(http, request => releases.ControlAsync(id, releaseId, action, request, http.RequestAborted)))
                .WithName(name).WithSummary(summary)
                .Body<JsonElement>("Optional: {\"by\":\"who\", \"reason\":\"why\"}.")
                .Returns<JsonElement>(StatusCodes.Status202Accepted, "{guardian, releaseId, instanceId, action, by, reason, accepted: true}: delivered as a durable external event.")
                .Problem(StatusCodes.Status400BadRequest, "by or reason is not a short string, or the body is not a JSON object.")
                .Problem(StatusCodes.Status404NotFound, "releaseId: no such release of the guardian.")
                .Problem(StatusCodes.Status409Conflict, "releaseId: the release has ended.")
                .TooLarge();
        }

        return app;
    }
}
