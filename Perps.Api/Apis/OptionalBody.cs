using System.Text.Json;

namespace Perps.Api.Apis;

/// <summary>
/// A body a route may do without: null when none was sent; JSON that does not read is a 400. The body is read as
/// JSON whatever its Content-Type says.
/// </summary>
/// <remarks>
/// Not a nullable <c>[FromBody]</c> parameter: that refuses a body without a JSON Content-Type with 415, where these
/// routes have always answered 200. <c>curl -d '{"type":"trade.close"}'</c> (sent as form-urlencoded), text/plain or
/// no Content-Type at all would stop working, and so would an empty body labelled text/plain.
/// </remarks>
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
