using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Subscriptions;

/// <summary>
/// Secret rotation with a grace period, checked by the independent verifiers (<see cref="Signatures"/>, written from
/// the Standard Webhooks spec and the guide): a receiver holding only the old secret and one holding only the new one
/// both verify <c>webhook-signature</c> during the grace period; after it, only the new one does.
/// </summary>
public sealed class SecretRotationTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DuringTheGracePeriodOldAndNewSecretsBothVerifyAndAfterItOnlyTheNewOne()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var first = webhook.Secret;

        // No body: 24 hours of grace.
        var (second, expiresAt) = await RegenerateAsync(user, webhook.Id, body: null);
        Assert.InRange(expiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));
        var shown = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}"))["webhook"]!;
        Assert.Equal(expiresAt, shown["previous_secret_expires_at"]!.GetValue<DateTimeOffset>());

        var during = await DeliverOneAsync(user, webhook, wallet);
        Assert.True(Signatures.VerifiesStandard(during, first), "a receiver holding only the old secret must verify during the grace period");
        Assert.True(Signatures.VerifiesStandard(during, second), "a receiver holding only the new secret must verify");
        Assert.Equal(2, during.Header("webhook-signature").Split(' ').Length);
        Assert.True(Signatures.VerifiesRaw(during, second));
        Assert.False(Signatures.VerifiesRaw(during, first)); // X-Webhook-Signature: the new secret only

        // A second rotation inside the window: the previous secret is now the second one; the first is gone.
        var (third, _) = await RegenerateAsync(user, webhook.Id, new JsonObject { ["grace_period_hours"] = 1 });
        var again = await DeliverOneAsync(user, webhook, wallet);
        Assert.True(Signatures.VerifiesStandard(again, second));
        Assert.True(Signatures.VerifiesStandard(again, third));
        Assert.False(Signatures.VerifiesStandard(again, first));

        // The grace period ends (aged in the database rather than waited for): the new secret only.
        await using (var database = await app.OpenDatabaseAsync())
        await using (var age = database.CreateCommand("UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1"))
        {
            age.Parameters.Add(new() { Value = webhook.Id });
            await age.ExecuteNonQueryAsync(Ct);
        }
        Assert.Null((await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook.PreviousSecretExpiresAt);
        var after = await DeliverOneAsync(user, webhook, wallet);
        Assert.True(Signatures.VerifiesStandard(after, third));
        Assert.False(Signatures.VerifiesStandard(after, second));
        Assert.Single(after.Header("webhook-signature").Split(' '));
    }

    [Fact]
    public async Task AGracePeriodOfZeroRevokesTheOldSecretAtOnce()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var (leakedReplacement, expiresAt) = await RegenerateAsync(user, webhook.Id, new JsonObject { ["grace_period_hours"] = 0 });
        Assert.Null(expiresAt);

        var delivered = await DeliverOneAsync(user, webhook, wallet);
        Assert.True(Signatures.VerifiesStandard(delivered, leakedReplacement));
        Assert.True(Signatures.VerifiesRaw(delivered, leakedReplacement));
        Assert.False(Signatures.VerifiesStandard(delivered, webhook.Secret));
        Assert.Single(delivered.Header("webhook-signature").Split(' '));
    }

    private static async Task<(string Secret, DateTimeOffset? PreviousExpiresAt)> RegenerateAsync(UserClient user, string webhookId, JsonObject? body)
    {
        var response = body is null
            ? await user.Http.PostAsync($"/api/webhooks/{webhookId}/regenerate-secret", null, Ct)
            : await user.Http.PostAsJsonAsync($"/api/webhooks/{webhookId}/regenerate-secret", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var webhook = JsonNode.Parse(text)!["webhook"]!;
        return (webhook["secret"]!.GetValue<string>(), webhook["previous_secret_expires_at"]?.GetValue<DateTimeOffset>());
    }

    private async Task<ReceivedRequest> DeliverOneAsync(UserClient user, CreatedWebhook webhook, string wallet)
    {
        var before = app.Receiver.Received(webhook.Url).Count;
        var eventId = (await app.IngestAsync(Trades.Event(wallet)))[0];
        var received = await app.Receiver.WaitForAsync(webhook.Url, before + 1);
        var request = received[^1];
        Assert.Equal(eventId, Signatures.Parse(request)["id"]!.GetValue<string>());
        return request;
    }
}
