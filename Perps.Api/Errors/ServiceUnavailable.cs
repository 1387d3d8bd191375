using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Perps.Api.Errors;

/// <summary>
/// The one 503 answer: the service is at capacity or its storage is not answering in time, so the request was not
/// done; a problem response with <c>Retry-After</c>, which clients retry as they retry a 429.
/// </summary>
internal static class ServiceUnavailable
{
    private const int RetryAfterSeconds = 1;

    /// <summary>The problem, <paramref name="why"/> first; sets <c>Retry-After</c> on the response.</summary>
    public static ProblemDetails Details(HttpContext context, string why)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Detail = $"{why} Retry after {RetryAfterSeconds} s.",
        };
    }

    public static ProblemHttpResult Problem(HttpContext context, string why) => TypedResults.Problem(Details(context, why));
}
