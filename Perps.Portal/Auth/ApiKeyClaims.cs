using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Perps.Portal.Auth;

/// <summary>
/// The signed-in user is their API key. It travels only inside the encrypted cookie and from the portal's server to
/// the API; no page renders it.
/// </summary>
public static class ApiKeyClaims
{
    public const string ApiKey = "perps:api_key";

    public static ClaimsPrincipal For(string apiKey) =>
        new(new ClaimsIdentity([new Claim(ApiKey, apiKey)], CookieAuthenticationDefaults.AuthenticationScheme));

    public static string? ApiKeyOf(ClaimsPrincipal user) => user.FindFirst(ApiKey)?.Value;
}
