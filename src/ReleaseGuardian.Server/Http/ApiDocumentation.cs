using ReleaseGuardian.Infrastructure.HttpApi;

namespace ReleaseGuardian.Server.Http;

/// <summary>A query parameter a handler reads from the raw request, for the OpenAPI document.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Description">What it does.</param>
internal sealed record QueryParameterMetadata(string Name, string Description);

/// <summary>A request body a handler reads from the raw request, for the OpenAPI document.</summary>
/// <param name="Type">Its shape.</param>
/// <param name="Description">What it is.</param>
/// <param name="ContentTypes">The media types it may come as.</param>
internal sealed record RequestBodyMetadata(Type Type, string Description, IReadOnlyList<string> ContentTypes);

/// <summary>Marks a route behind the management key, for the OpenAPI document's security requirement.</summary>
internal sealed class ManagementKeyMetadata
{
    public static ManagementKeyMetadata Instance { get; } = new();
}

/// <summary>
/// What a route answers, as endpoint metadata the OpenAPI generator reads: statuses with their descriptions, the
/// problem+json error shapes and the query parameters. The handlers write <see cref="ApiResponse"/> bytes, so
/// nothing here can be inferred from their return types.
/// </summary>
internal static class ApiDocumentation
{
    /// <summary>The media type of every JSON body.</summary>
    public const string Json = "application/json";

    /// <summary>Puts the route behind the management key and documents the 401 it answers without it.</summary>
    public static TBuilder RequireManagementKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ApiKeyFilter>()
            .WithMetadata(ManagementKeyMetadata.Instance)
            .Problem(StatusCodes.Status401Unauthorized, $"The management key is missing or wrong ({ManagementKey.HeaderName} header or ?{ManagementKey.QueryName}=), or none is configured.");

    /// <summary>A JSON answer of type <typeparamref name="T"/>.</summary>
    public static RouteHandlerBuilder Returns<T>(this RouteHandlerBuilder builder, int status, string description) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(T), [Json]) { Description = description });

    /// <summary>An answer without a body.</summary>
    public static RouteHandlerBuilder ReturnsEmpty(this RouteHandlerBuilder builder, int status, string description) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(void), []) { Description = description });

    /// <summary>An RFC 7807 problem naming the field at fault.</summary>
    public static TBuilder Problem<TBuilder>(this TBuilder builder, int status, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ApiProblem), [ApiResponse.ProblemContentType]) { Description = description });

    /// <summary>The 413 of every route that reads a body.</summary>
    public static RouteHandlerBuilder TooLarge(this RouteHandlerBuilder builder) =>
        builder.Problem(StatusCodes.Status413PayloadTooLarge, $"The body is over the {ApiRequestReader.MaxBodyBytes}-byte limit; nothing is stored.");

    /// <summary>
    /// A request body of type <typeparamref name="T"/>, for the document only. Not <c>Accepts()</c>: its metadata makes
    /// routing answer a bare 415 to other media types before the handler could name the field, and senders' own
    /// media types (webhooks) must reach the handler.
    /// </summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, string description, params string[] contentTypes) =>
        builder.WithMetadata(new RequestBodyMetadata(typeof(T), description, contentTypes.Length == 0 ? [Json] : contentTypes));

    /// <summary>A query parameter the handler reads itself.</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, string name, string description) =>
        builder.WithMetadata(new QueryParameterMetadata(name, description));

    /// <summary>The continuation paging every list route takes.</summary>
    public static RouteHandlerBuilder Paged(this RouteHandlerBuilder builder) =>
        builder.Query("pageSize", "Items per page, 1-200 (default 50).")
            .Query("continuation", "The continuation token of the previous page.")
            .Problem(StatusCodes.Status400BadRequest, "pageSize is out of range or the continuation token is not one this route issued.");
}
