using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Perps.Tests.Infrastructure;

public sealed record CreatedWebhook(string Id, string Url, string Secret);

/// <summary>The steps of the guide a user takes before deliveries flow: watch a wallet, register a webhook.</summary>
public static class UserSetup
{
    public static async Task WatchAsync(this UserClient user, string address)
    {
        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public static async Task<CreatedWebhook> CreateWebhookAsync(this UserClient user, string url, params string[] events)
    {
        var response = await user.Http.PostAsJsonAsync("/api/webhooks",
            new { url, events = events.Length == 0 ? ["trade.new", "trade.close", "trade.liquidation"] : events });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var webhook = (await response.ReadAnswerAsync<WebhookWithSecretAnswer>()).Webhook;
        return new(webhook.Id, url, webhook.Secret);
    }

    /// <summary>The answer of a GET as JSON nodes, for tests that look at the wire's shape or raw text; fails the test unless it is 200.</summary>
    public static async Task<JsonObject> GetJsonAsync(this UserClient user, string path)
    {
        var response = await user.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The answer of a GET, read as <typeparamref name="T"/>; fails the test unless it is 200.</summary>
    public static async Task<T> GetAsync<T>(this UserClient user, string path)
    {
        using var response = await user.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAnswerAsync<T>();
    }

    /// <summary>
    /// Polls a delivery until <paramref name="done"/> holds for it. A fan-out's delivery is written once its first
    /// attempt is recorded, just after the receiver answered: until then it is not found.
    /// </summary>
    public static async Task<DeliveryAnswer> WaitForDeliveryAsync(this UserClient user, string webhookId, string deliveryId,
        Func<DeliveryAnswer, bool> done, TimeSpan? timeout = null) =>
        (await Poll.UntilAsync(() => user.GetDeliveryOrNullAsync(webhookId, deliveryId), detail => detail is not null && done(detail),
            timeout ?? TimeSpan.FromSeconds(30),
            detail => $"Delivery {deliveryId} did not reach the expected state: {(detail is null ? "not found" : JsonSerializer.Serialize(detail, ApiJson.Options))}"))!;

    private static async Task<DeliveryAnswer?> GetDeliveryOrNullAsync(this UserClient user, string webhookId, string deliveryId)
    {
        using var response = await user.Http.GetAsync($"/api/webhooks/{webhookId}/deliveries/{deliveryId}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAnswerAsync<DeliveryAnswer>();
    }

    /// <summary>Polls the delivery list until it holds at least <paramref name="count"/> deliveries (recorded, in any state).</summary>
    public static Task WaitForRecordedDeliveriesAsync(this UserClient user, string webhookId, int count) =>
        Poll.UntilAsync(() => user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhookId}/deliveries?limit=100"),
            list => list.Deliveries.Count >= count,
            TimeSpan.FromSeconds(20), _ => $"fewer than {count} deliveries recorded");

    /// <summary>Polls the delivery list until at least <paramref name="count"/> deliveries have failed.</summary>
    public static Task WaitForFailedDeliveriesAsync(this UserClient user, string webhookId, int count) =>
        user.WaitForDeliveriesAsync(webhookId, "failed", count);

    /// <summary>Polls the delivery list until at least <paramref name="count"/> deliveries are in <paramref name="status"/>.</summary>
    public static Task WaitForDeliveriesAsync(this UserClient user, string webhookId, string status, int count) =>
        Poll.UntilAsync(() => user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhookId}/deliveries?limit=100"),
            list => list.Deliveries.Count(d => d.Status == status) >= count,
            TimeSpan.FromSeconds(20), _ => $"fewer than {count} {status} deliveries");

    /// <summary>Polls a webhook until <paramref name="condition"/> holds for it; returns it.</summary>
    public static async Task<Webhook> WaitForWebhookAsync(this UserClient user, string webhookId, Func<Webhook, bool> condition) =>
        (await Poll.UntilAsync(() => user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhookId}"), w => condition(w.Webhook),
            TimeSpan.FromSeconds(20), _ => "the webhook never reached the expected state")).Webhook;
}
