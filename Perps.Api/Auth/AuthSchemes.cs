using System.Security.Claims;

namespace Perps.Api.Auth;

/// <summary>The three ways in: a user's API key, the admin key, the ingest key. Each is also the name of its policy.</summary>
public static class AuthSchemes
{
    public const string ApiKey = "ApiKey";
    public const string Admin = "AdminKey";
    public const string Ingest = "IngestKey";

    /// <summary>
    /// The alert socket's policy: the API key header is checked when sent, and a connection without it may still
    /// open and send its key as the first frame (browsers cannot set headers).
    /// </summary>
    public const string ApiKeyOrFirstFrame = "ApiKeyOrFirstFrame";

    public const string ApiKeyHeader = "X-API-Key";
    public const string AdminKeyHeader = "X-Admin-Key";
    public const string IngestKeyHeader = "X-Ingest-Key";

    /// <summary>The id of the API key that made the request: everything a user owns hangs off it.</summary>
    public static string ApiKeyId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No API key on this request.");
}
