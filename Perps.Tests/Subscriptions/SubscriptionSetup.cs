using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Subscriptions;

/// <summary>Webhooks with the subscription fields (filters, rate_limit), and waiting for a fan-out to be fully recorded.</summary>
internal static class SubscriptionSetup
{
    /// <summary>Creates a webhook from a body holding any of the optional fields; returns it with its secret and the answer's webhook.</summary>
    public static async Task<(CreatedWebhook Webhook, WebhookWithSecret Shown)> CreateWebhookAsync(this UserClient user, JsonObject body)
    {
        var response = await user.Http.PostAsJsonAsync("/api/webhooks", body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var webhook = JsonSerializer.Deserialize<WebhookWithSecretAnswer>(text, ApiJson.Options)!.Webhook;
        return (new CreatedWebhook(webhook.Id, body["url"]!.GetValue<string>(), webhook.Secret), webhook);
    }

    /// <summary>Waits until every one of the events has been fanned out and its deliveries recorded (none left awaiting).</summary>
    public static Task WaitForFanOutAsync(this PerpsAppFixture app, IEnumerable<string> eventIds) =>
        Poll.UntilAsync(() => app.CountAsync("SELECT count(*) FROM fan_out_awaiting, unnest(event_ids) AS e (id) WHERE e.id = ANY ($1)", [eventIds.ToArray()]),
            left => left == 0, TimeSpan.FromSeconds(20), left => $"{left} events still awaiting fan-out");

    /// <summary>The deliveries recorded for a webhook, in any state, straight from the table.</summary>
    public static Task<long> CountDeliveriesAsync(this PerpsAppFixture app, string webhookId) =>
        app.CountAsync("SELECT count(*) FROM deliveries WHERE webhook_id = $1", webhookId);

    public static JsonArray Array(params string[] values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
