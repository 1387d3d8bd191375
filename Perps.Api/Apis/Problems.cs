using Microsoft.AspNetCore.Http.HttpResults;

namespace Perps.Api.Apis;

/// <summary>The problem responses the handlers return, worded once.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found",
            detail: $"No {what.ToLowerInvariant()} '{Shorten(id)}' belongs to this API key.");

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    /// <summary>
    /// 409, not 403 or 422: the request is fine and allowed; it conflicts with what the key already owns, and removing
    /// one resolves it (RFC 9110 section 15.5.10). <c>limit</c> and <c>count</c> say so to a program as well.
    /// </summary>
    public static ProblemHttpResult QuotaReached(string what, long count, int limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Quota reached",
            detail: $"This API key has {count} {what}, and {limit} is the most it may have; remove one before adding another.",
            extensions: new Dictionary<string, object?> { ["limit"] = limit, ["count"] = count });

    public static ProblemHttpResult BadRequest(string field, string message) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: $"{field}: {message}");

    private static string Shorten(string id) => id.Length > 64 ? id[..64] + "…" : id;
}
