using System.Net;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Portal;

/// <summary>
/// An endpoint that answers 500, as its owner sees it in the portal: every attempt with its status and the start of
/// the answer, the filters, recovery once the endpoint is fixed, and deleting the webhook.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class PortalFailingEndpointTests(PerpsAppFixture app, PortalBrowser browser)
{
    [Fact]
    public async Task FailedAttemptsShowTheirStatusAndAnswerAndRecoverResendsThem()
    {
        using var user = await app.CreateUserAsync("portal failing endpoint");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var attemptsPerRound = PerpsAppFixture.RetrySchedule.Length + 1;
        // 500 to the first delivery's every attempt; fixed after that (what recover is for).
        var endpoint = app.Receiver.NewEndpoint(count => (count <= attemptsPerRound ? 500 : 200, TimeSpan.Zero));
        var webhook = await user.CreateWebhookAsync(endpoint);
        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 1);

        var page = await browser.OpenAsync(app);
        page.SignIn(user.Key);
        page.Go($"/webhooks/{webhook.Id}");
        const string failed = "tr.delivery[data-status=failed]";
        page.Click($"{failed} .details-toggle");
        page.Wait(() => page.FindAll(".delivery-details .attempt").Count == attemptsPerRound, $"{attemptsPerRound} attempts");
        Assert.All(page.FindAll(".delivery-details .attempt .status-code"), cell => Assert.Equal("500", cell.Text));
        page.WaitForText(".delivery-details .attempt .excerpt", "receiver says no");
        page.Screenshot("delivery-failed");

        // Filters: the failed delivery under "failed", none under "succeeded".
        page.Click("#filter-status option[value=succeeded]");
        page.WaitForText(".empty-state h2", "No deliveries match");
        page.Click("#filter-status option[value=failed]");
        page.Find(failed);
        page.Click("#filter-status option[value='']");

        // Recover since the picker's default (24 hours ago): one re-queued, and this time it succeeds.
        page.Click("#recover");
        page.WaitForText("#recover-result", "1 delivery re-queued");
        page.Find("tr.delivery[data-status=succeeded]");

        // Delete, after a confirmation.
        page.Click("#delete");
        page.WaitForText(".confirm", "Delete this webhook?");
        page.Click("#delete-confirm");
        page.WaitForPath("/webhooks");
        page.WaitForText(".empty-state h2", "No webhooks yet");
        using var gone = await user.Http.GetAsync($"/api/webhooks/{webhook.Id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
