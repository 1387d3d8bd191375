using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>
/// What happens to events while an endpoint is disabled: disabled automatically, each is recorded as skipped and
/// recover sends it once the owner has re-enabled the endpoint; disabled by its owner, nothing is recorded. Test
/// sends never count toward disabling. (The test app disables after 3 failed deliveries spanning 2 s.)
/// </summary>
public sealed class DisabledEndpointTests(PerpsAppFixture app)
{
    [Fact]
    public async Task EventsWhileAutoDisabledAreSkippedAndRecoverSendsThemAfterReEnabling()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var healthy = false;
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (healthy ? 200 : 500, TimeSpan.Zero)));
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet), Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 3);
        await Task.Delay(TimeSpan.FromSeconds(2.2), ct); // a fourth failure now makes the streak span the 2 s the rule asks for
        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForWebhookAsync(webhook.Id, w => !w.IsActive);

        var missed = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet));
        var skipped = await Poll.UntilAsync(() => DeliveriesAsync(user, webhook.Id),
            all => missed.All(e => all.Any(d => d.EventId == e && d.Status == "skipped")),
            TimeSpan.FromSeconds(10), all => $"the missed events are not recorded as skipped: {Statuses(all)}");
        Assert.All(skipped.Where(d => missed.Contains(d.EventId)),
            d => Assert.Contains("disabled automatically", d.LastError));

        healthy = true;
        Assert.Equal(HttpStatusCode.OK, (await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { is_active = true }, ct)).StatusCode);
        var recover = await user.Http.PostAsJsonAsync($"/api/webhooks/{webhook.Id}/recover", new { since }, ct);
        Assert.Equal(HttpStatusCode.Accepted, recover.StatusCode);
        Assert.True((await recover.ReadAnswerAsync<RecoverAnswer>()).Requeued >= 6);

        var delivered = await Poll.UntilAsync(() => DeliveriesAsync(user, webhook.Id),
            all => all.Count == 6 && all.All(d => d.Status == "succeeded"),
            TimeSpan.FromSeconds(20), all => $"not every delivery succeeded after recover: {Statuses(all)}");
        var receivedEvents = app.Receiver.Acknowledged(webhook.Url).Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()).ToList();
        Assert.All(missed, e => Assert.Contains(e, receivedEvents));
        Assert.Equal(6, delivered.Count);
    }

    [Fact]
    public async Task EventsWhileDisabledByTheOwnerAreNotRecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        Assert.Equal(HttpStatusCode.OK, (await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { is_active = false }, ct)).StatusCode);

        await app.IngestAsync(Trades.Event(wallet));
        var sibling = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        await app.IngestAsync(Trades.Event(wallet));
        await app.Receiver.WaitForAsync(sibling.Url, 1); // the event after it was fanned out: so was the first

        Assert.Empty(await DeliveriesAsync(user, webhook.Id));
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }

    [Fact]
    public async Task FailingTestSendsNeverDisableTheEndpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (500, TimeSpan.Zero)));

        for (var i = 0; i < PerpsAppFixture.DisableAfterFailures + 2; i++)
        {
            var test = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, ct);
            Assert.Equal(HttpStatusCode.OK, test.StatusCode);
            Assert.False((await test.ReadAnswerAsync<TestSendAnswer>()).Test.Succeeded);
            if (i == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(2.2), ct); // the streak would now span the 2 s the rule asks for
            }
        }

        var state = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook;
        Assert.True(state.IsActive, $"disabled by test sends: {state.DisabledReason}");
    }

    private static async Task<IReadOnlyList<DeliveryState>> DeliveriesAsync(UserClient user, string webhookId) =>
        (await user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhookId}/deliveries?limit=100")).Deliveries;

    private static string Statuses(IReadOnlyList<DeliveryState> deliveries) =>
        string.Join(", ", deliveries.Select(d => $"{d.EventId}={d.Status}"));
}
