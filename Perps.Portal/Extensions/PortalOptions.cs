namespace Perps.Portal.Extensions;

/// <summary>The <c>Portal</c> section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The API, by its Aspire resource name: service discovery turns it into an address.</summary>
    public Uri ApiBaseAddress { get; set; } = new("http://api");

    /// <summary>How long a sign-in lasts without use (the cookie slides while the user is active).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// One API request's limit. Longer than the API's delivery timeout (10 s), because "Send test event" answers only
    /// once the endpoint has.
    /// </summary>
    public TimeSpan ApiAttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
