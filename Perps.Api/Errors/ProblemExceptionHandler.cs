using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Perps.Api.Errors;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, a field of the wrong type, an oversized body)
/// into a problem response that says what was wrong; storage not answering in time into a 503 to retry; anything
/// else is a logged 500 that reveals nothing.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Invalid request",
                Detail = Describe(bad),
            },
            _ when IsStorageNotAnswering(exception) => StorageNotAnswering(context, exception),
            _ => null,
        };
        if (problem is null)
        {
            Log.UnhandledError(logger, exception, context.Request.Method, context.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal error",
                Detail = "The request failed on our side and changed nothing; it is safe to retry.",
            };
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A database or Redis call that timed out or could not connect, a pooled connection not free within the pool's
    /// timeout among them: the request is worth repeating, so it is a 503 with <c>Retry-After</c>, not a 500.
    /// </summary>
    private static bool IsStorageNotAnswering(Exception exception) =>
        exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException
            or StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException;

    private ProblemDetails StorageNotAnswering(HttpContext context, Exception exception)
    {
        Log.StorageNotAnswering(logger, context.Request.Method, context.Request.Path, exception.Message);
        return ServiceUnavailable.Details(context, "Storage did not answer in time (the service is overloaded or restarting).");
    }

    // A value of the wrong JSON type ({"url": 5}, {"filters": 5}, [] where an object belongs) and a rule of the strict
    // JsonOptions (an unknown or repeated member, a missing or null required one) reach here as the same structure: a
    // JsonException with a Path and a position, most often with no inner exception. Only System.Text.Json's message
    // tells them apart (always its English text: the app runs with InvariantGlobalization). The first names .NET types
    // ("could not be converted to Perps.Api.Contracts.TradeFilters"), so it is reworded; the others name the field.
    private static string Describe(BadHttpRequestException exception) => exception.InnerException switch
    {
        JsonException { Path: { } path } json when json.Message.Contains("could not be converted", StringComparison.Ordinal) =>
            $"The value at {path} is missing, null or of the wrong JSON type for that field.",
        JsonException { Path: { } path } json => $"The request body is not valid for this route at {path}: {FirstSentence(json.Message)}",
        JsonException json => $"The request body is not valid JSON: {FirstSentence(json.Message)}",
        _ when exception.StatusCode == StatusCodes.Status413PayloadTooLarge => "The request body exceeds the size limit of this route.",
        _ => exception.Message,
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
