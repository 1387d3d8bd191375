namespace Perps.Api.Errors;

/// <summary>
/// What every problem response carries: <c>"success": false</c>, and a detail even when the framework answered on its
/// own (an oversized body, a wrong content type, an unknown route) and gave only a title.
/// </summary>
internal static class ProblemDefaults
{
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions["success"] = false;
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status404NotFound => "There is no route at this path.",
            StatusCodes.Status405MethodNotAllowed => $"This route does not accept {context.HttpContext.Request.Method}.",
            StatusCodes.Status413PayloadTooLarge => $"The request body exceeds the limit of {Extensions.Extensions.MaxRequestBodyBytes} bytes.",
            StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON, sent with Content-Type: application/json.",
            _ => null,
        };
    }
}
