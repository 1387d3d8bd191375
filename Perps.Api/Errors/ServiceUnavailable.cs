using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Perps.Api.Errors;

/// <summary>
/// The one 503 answer: the service is at capacity or its storage is not answering in time, so the request was not
/// done; a problem response with <c>Retry-After</c>, which clients retry as they retry a 429.
/// </summary>
internal static class ServiceUnavailable
{
    public const string Title = "Service unavailable";

    public const int RetryAfterSeconds = 1;

    public static string RetryAfterHeader => RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);

    public static string Detail(string why) => $"{why} Retry after {RetryAfterSeconds} s.";

    public static ProblemHttpResult Problem(HttpContext context, string why)
    {
        context.Response.Headers.RetryAfter = RetryAfterHeader;
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: Title, detail: Detail(why));
    }
}
