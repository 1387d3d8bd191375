using System.Net;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Portal;

/// <summary>Who gets in, and what each key sees: the API key is the only way in, and each key sees its own objects.</summary>
[Collection(PortalCollection.Name)]
public sealed class PortalAccessTests(PerpsAppFixture app, PortalBrowser browser)
{
    [Fact]
    public async Task WrongKeyIsRefusedAndNeverShownBack()
    {
        var page = await browser.OpenAsync(app);
        const string wrongKey = "pk_this-key-was-never-issued";

        page.SubmitSignIn(wrongKey);

        page.WaitForText("#api-key-error", "not accepted");
        Assert.Equal("/signin", page.Path);
        Assert.DoesNotContain(wrongKey, page.Html, StringComparison.Ordinal);
        Assert.Equal("", page.Find("#api-key").GetDomProperty("value"));
    }

    [Fact]
    public async Task SecondKeySeesNoneOfTheFirstKeysObjectsAndARevokedKeyIsSignedOut()
    {
        using var first = await app.CreateUserAsync("portal first");
        await first.WatchAsync(Wallets.NewAddress());
        var webhook = await first.CreateWebhookAsync(app.Receiver.NewEndpoint());
        using var second = await app.CreateUserAsync("portal second");
        var page = await browser.OpenAsync(app);

        page.SignIn(second.Key);

        page.WaitForText(".empty-state h2", "No webhooks yet");
        page.Go("/watchlist");
        page.WaitForText(".empty-state h2", "No wallets yet");
        page.Go($"/webhooks/{webhook.Id}");
        page.WaitForText(".problem", "No webhook");
        Assert.DoesNotContain(webhook.Url, page.Html, StringComparison.Ordinal);

        using var admin = app.CreateAdminClient();
        using var revoked = await admin.DeleteAsync($"/api/admin/api-keys/{second.KeyId}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        page.Go("/watchlist");
        page.WaitForPath("/signin");
        page.WaitForText("#key-rejected", "no longer accepts your API key");
        page.Go("/webhooks");
        page.WaitForPath("/signin"); // the cookie is gone too
    }
}
