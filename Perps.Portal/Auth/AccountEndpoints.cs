using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Perps.Portal.Auth;

/// <summary>Leaving: the sign-out form's target, and where a page sends a user whose key the API refused.</summary>
public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(AccountPaths.SignOut, SignOut).DisableAntiforgery(); // validated below, with a clear refusal
        app.MapGet(AccountPaths.KeyRejected, (Func<HttpContext, Task<RedirectHttpResult>>)KeyRejected); // a handler, not a RequestDelegate
        return app;
    }

    private static async Task<Results<RedirectHttpResult, BadRequest<string>>> SignOut(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest("The sign-out form has expired; reload the page and sign out again.");
        }
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect($"{AccountPaths.SignIn}?notice={AccountPaths.SignedOutNotice}");
    }

    /// <summary>
    /// The API answered 401 to the key in the cookie: it was revoked. The cookie goes, and the sign-in page says why.
    /// A GET, since a page reaches it by navigating; all it can do is sign the browser out.
    /// </summary>
    private static async Task<RedirectHttpResult> KeyRejected(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect($"{AccountPaths.SignIn}?notice={AccountPaths.KeyRejectedNotice}");
    }
}
