namespace Perps.Portal.Auth;

/// <summary>The sign-in routes, named once.</summary>
public static class AccountPaths
{
    public const string SignIn = "/signin";
    public const string SignOut = "/account/signout";

    /// <summary>Where a page goes when the API refuses the key (revoked): signed out, then told why.</summary>
    public const string KeyRejected = "/account/key-rejected";

    /// <summary>The sign-in page's notice after each way out.</summary>
    public const string SignedOutNotice = "signed-out";
    public const string KeyRejectedNotice = "key-rejected";
}
