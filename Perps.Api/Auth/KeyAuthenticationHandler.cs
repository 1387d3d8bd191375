using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Perps.Api.Data;

namespace Perps.Api.Auth;

/// <summary>
/// Authenticates a key from a request header. The admin and ingest keys are compared in constant time; user
/// API keys are looked up by hash. A missing or wrong key is a 401 problem response.
/// </summary>
internal sealed class KeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<AuthOptions> keys,
    ApiKeyStore apiKeys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private string HeaderName => Scheme.Name switch
    {
        AuthSchemes.Admin => AuthSchemes.AdminKeyHeader,
        AuthSchemes.Ingest => AuthSchemes.IngestKeyHeader,
        _ => AuthSchemes.ApiKeyHeader,
    };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var subject = Scheme.Name switch
        {
            AuthSchemes.Admin => FixedTimeEquals(presented, keys.Value.AdminKey) ? "admin" : null,
            AuthSchemes.Ingest => FixedTimeEquals(presented, keys.Value.IngestKey) ? "ingest" : null,
            _ => await apiKeys.FindActiveIdAsync(presented, Context.RequestAborted),
        };
        if (subject is null)
        {
            return AuthenticateResult.Fail($"The {HeaderName} header does not hold a valid key.");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, subject)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var presented = Request.Headers[HeaderName].Count > 0;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = presented
                    ? $"The {HeaderName} header does not hold a valid key."
                    : $"This route needs the {HeaderName} header.",
            },
        });
    }

    private static bool FixedTimeEquals(string presented, string expected) =>
        expected.Length > 0 && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
