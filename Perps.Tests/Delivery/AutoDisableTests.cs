using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>The test app disables after 3 consecutive failed deliveries spanning at least 2 s (documented: 10 over 10 minutes).</summary>
public sealed class AutoDisableTests(PerpsAppFixture app)
{
    [Fact]
    public async Task EndpointThatKeepsFailingIsDisabledAndReceivesNothingUntilReEnabled()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var healthy = false;
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (healthy ? 200 : 500, TimeSpan.Zero)));

        // Three failed deliveries at once: enough failures, but not yet spanning 2 s.
        await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet), Trades.Event(wallet));
        await app.Receiver.WaitForAsync(webhook.Url, 9);
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 3);
        Assert.True((await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook.IsActive);

        // A fourth failure later: the streak now spans more than 2 s.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await app.IngestAsync(Trades.Event(wallet));
        var disabled = await user.WaitForWebhookAsync(webhook.Id, w => !w.IsActive);
        Assert.NotNull(disabled.DisabledAt);
        Assert.Contains("consecutive failed deliveries", disabled.DisabledReason);

        var receivedWhileDisabled = app.Receiver.Received(webhook.Url).Count;
        await app.IngestAsync(Trades.Event(wallet));
        await Quiet.WaitAsync(ct);
        Assert.Equal(receivedWhileDisabled, app.Receiver.Received(webhook.Url).Count);

        healthy = true;
        var enable = await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { is_active = true }, ct);
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        var enabled = (await enable.ReadAnswerAsync<WebhookAnswer>()).Webhook;
        Assert.True(enabled.IsActive);
        Assert.Null(enabled.DisabledAt);
        Assert.Null(enabled.DisabledReason);

        var eventId = (await app.IngestAsync(Trades.Event(wallet)))[0];
        var delivered = await app.Receiver.WaitForAsync(webhook.Url, receivedWhileDisabled + 1);
        Assert.Equal(eventId, Signatures.Parse(delivered[^1])["id"]!.GetValue<string>());
    }
}
