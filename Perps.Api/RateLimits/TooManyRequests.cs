using System.Globalization;

namespace Perps.Api.RateLimits;

/// <summary>The one 429 answer: a problem response with <c>Retry-After</c> in whole seconds.</summary>
internal static class TooManyRequests
{
    public static async Task WriteAsync(HttpContext context, TimeSpan retryAfter, Func<int, string> detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = detail(seconds),
            },
        });
    }
}
