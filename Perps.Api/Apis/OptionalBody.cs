using System.Text.Json;

namespace Perps.Api.Apis;

/// <summary>A body a route may do without: null when none was sent; JSON that does not read is a 400.</summary>
internal static class OptionalBody
{
    public static async Task<T?> ReadAsync<T>(HttpRequest http, JsonSerializerOptions options, CancellationToken ct) where T : class
    {
        if (http.ContentLength is 0 || (http.ContentLength is null && !http.Headers.TransferEncoding.Any()))
        {
            return null;
        }
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Body, options, ct);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest, ex);
        }
    }
}
