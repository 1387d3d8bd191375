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

    public static ProblemHttpResult BadRequest(string field, string message) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: $"{field}: {message}");

    private static string Shorten(string id) => id.Length > 64 ? id[..64] + "…" : id;
}
