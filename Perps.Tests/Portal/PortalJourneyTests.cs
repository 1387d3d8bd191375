using Perps.Portal.Components.Shared;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Portal;

/// <summary>
/// A new user's first session in the portal, in a real browser against the whole app: sign in, watch a wallet, create
/// a webhook and keep its secret, see a trade arrive live and as a delivery, and use every lever on it.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PortalJourneyTests(PerpsAppFixture app, PortalBrowser browser)
{
    [Fact]
    public async Task UserSignsInCreatesAWebhookAndFollowsATradeToItsDelivery()
    {
        using var user = await app.CreateUserAsync("portal journey");
        var wallet = Wallets.NewAddress();
        var endpoint = app.Receiver.NewEndpoint();
        var page = await browser.OpenAsync(app);

        // Signed out, every page leads to sign-in, which says how to get a key.
        page.Go("/webhooks");
        page.WaitForPath("/signin");
        page.WaitForText("#no-key-title", "No API key yet?");
        page.Screenshot("signin");

        page.SignIn(user.Key);
        page.WaitForText(".empty-state h2", "No webhooks yet");
        Assert.DoesNotContain(user.Key, page.Html, StringComparison.Ordinal);

        // Watchlist: an invalid address is refused with the API's message; a valid one is listed with its time.
        page.Go("/watchlist");
        page.WaitForText(".empty-state h2", "No wallets yet");
        page.Fill("#wallet-address", "not-a-wallet");
        page.Click("#add-wallet");
        Assert.NotEmpty(page.Find("#wallet-address-error").Text);
        page.Fill("#wallet-address", wallet);
        page.Click("#add-wallet");
        page.WaitForText($"tr.wallet[data-address='{wallet}']", "UTC");
        page.Screenshot("watchlist");

        // Create: the API's validation message beside the URL, then the secret, once.
        page.Go("/webhooks");
        page.Fill("#create-webhook-url", "ftp://example.com/hook");
        page.Click(".webhook-form button[type=submit]");
        Assert.NotEmpty(page.Find("#create-webhook-url-error").Text);
        page.Fill("#create-webhook-url", endpoint);
        page.Click(".webhook-form button[type=submit]");
        var secret = page.Wait(() => page.Find("#webhook-secret").GetDomProperty("value") is { } value && value.StartsWith("whsec_", StringComparison.Ordinal) ? value : null,
            "the new webhook's secret")!;
        page.WaitForText(".secret-box .warning", "it will only be shown once");
        page.WaitForText(".webhook-url", endpoint);
        page.Screenshot("webhook-created");
        page.Reload();
        page.WaitForText(".webhook-url", endpoint);
        Assert.False(page.Exists("#webhook-secret"));
        Assert.DoesNotContain(secret, page.Html, StringComparison.Ordinal);
        var webhookId = page.Find(".webhook-url").GetAttribute("href")!.Split('/')[^1];

        // Live: the trade appears as it is ingested.
        page.Go("/live");
        page.WaitForText("#stream-state", "Live");
        var eventId = (await app.IngestAsync(Trades.Event(wallet)))[0];
        page.WaitForText($"tr.trade[data-event-id='{eventId}']", "SOL-PERP");
        page.Screenshot("live");

        // The delivery: succeeded, its attempt and its exact payload; then redelivered.
        page.Go($"/webhooks/{webhookId}");
        const string row = "tr.delivery[data-status=succeeded]";
        page.Find(row);
        page.Click($"{row} .details-toggle");
        page.WaitForText(".delivery-details .attempt .status-code", "200");
        page.WaitForText(".delivery-details .payload", eventId);
        page.Click($"{row} .redeliver");
        await app.Receiver.WaitForAsync(endpoint, 2);
        page.Wait(() => page.FindAll(".delivery-details .attempt").Count == 2, "the redelivery's attempt beside the first");

        // Send a test event: the endpoint's answer, shown.
        page.Click("#send-test");
        page.WaitForText("#test-status", "200");
        page.WaitForText("#delivery-count", "2");
        page.Screenshot("webhook-detail");
        page.Screenshot("webhook-detail-phone", phone: true);

        // Disable and enable.
        page.Click("#disable");
        page.WaitForText(".state", "Disabled");
        page.WaitForText(".state", "disabled by the user");
        page.Click("#enable");
        page.WaitForText(".state", "Active");

        // Regenerate with a 72-hour grace period (not the default 24): a new secret, shown once; the API and the page
        // say the old one signs beside it until 72 hours from now.
        page.Click("#regenerate");
        page.WaitForText("#grace-period option:checked", "24 hours");
        page.Click("#grace-period option[value='72']");
        page.Screenshot("regenerate-secret");
        var regeneratedAfter = DateTimeOffset.UtcNow;
        page.Click("#regenerate-confirm");
        page.Wait(() => page.Find("#webhook-secret").GetDomProperty("value") is { } value && value.StartsWith("whsec_", StringComparison.Ordinal) && value != secret,
            "a new secret");
        var regeneratedBefore = DateTimeOffset.UtcNow;
        var previousExpires = (await user.GetJsonAsync($"/api/webhooks/{webhookId}"))["webhook"]!["previous_secret_expires_at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(previousExpires, regeneratedAfter.AddHours(72).AddSeconds(-1), regeneratedBefore.AddHours(72).AddSeconds(1));
        page.WaitForText("#previous-secret", Format.Time(previousExpires));
        page.Screenshot("secret-regenerated");

        // Sign out: the portal is closed again.
        page.Click("#sign-out");
        page.WaitForPath("/signin");
        page.WaitForText(".notice", "You are signed out");
        page.Go("/webhooks");
        page.WaitForPath("/signin");
    }
}
