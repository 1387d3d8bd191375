using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

public sealed class WebhooksTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateWebhookReturnsTheWebhookAndItsSecretWithItsLocation()
    {
        using var user = await app.CreateUserAsync();
        var url = app.Receiver.NewEndpoint();
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "trade.new", "trade.close" } }, Ct);

        var body = await response.SuccessAsync(HttpStatusCode.Created);
        ApiResponses.HasExactlyFields(body, "success", "webhook", "message");
        Assert.Equal("Webhook created. Save your secret - it will only be shown once!", body["message"].AsString());
        var webhook = body["webhook"]!;
        ApiResponses.HasExactlyFields(webhook, ApiResponses.WebhookWithSecretFields);
        Assert.Matches("^wh_[0-9a-f]+$", webhook["id"].AsString());
        Assert.Equal(url, webhook["url"].AsString());
        Assert.Equal(["trade.new", "trade.close"], webhook["events"]!.AsArray().Select(e => e.AsString()));
        Assert.True(webhook["is_active"]!.GetValue<bool>());
        Assert.Matches(ApiResponses.SecretPattern, webhook["secret"].AsString());
        Assert.Equal(32, Convert.FromBase64String(webhook["secret"].AsString()["whsec_".Length..]).Length);
        var createdAt = DateTimeOffset.Parse(webhook["created_at"].AsString());
        Assert.InRange(createdAt, before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(createdAt, DateTimeOffset.Parse(webhook["updated_at"].AsString()));
        Assert.Equal($"/api/webhooks/{webhook["id"].AsString()}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreateWebhookTwiceGivesDistinctIdsAndSecrets()
    {
        using var user = await app.CreateUserAsync();

        var first = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var second = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.Secret, second.Secret);
    }

    [Fact]
    public async Task CreateWebhookAcceptsAUrlOfExactly2048Characters()
    {
        using var user = await app.CreateUserAsync();
        var endpoint = app.Receiver.NewEndpoint() + "?pad=";
        var url = endpoint + new string('a', 2048 - endpoint.Length);

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "trade.new" } }, Ct);

        var body = await response.SuccessAsync<WebhookAnswer>(HttpStatusCode.Created);
        Assert.Equal(url, body.Webhook.Url);
    }

    [Fact]
    public async Task ListWebhooksShowsEveryWebhookInOrderWithoutSecrets()
    {
        using var user = await app.CreateUserAsync();
        var first = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var second = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.liquidation");

        var response = await user.Http.GetAsync("/api/webhooks", Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "webhooks");
        var webhooks = body["webhooks"]!.AsArray();
        Assert.Equal([first.Id, second.Id], webhooks.Select(w => w!["id"].AsString()));
        Assert.Equal([first.Url, second.Url], webhooks.Select(w => w!["url"].AsString()));
        Assert.All(webhooks, w => ApiResponses.HasExactlyFields(w, ApiResponses.WebhookFields));
        Assert.Equal(["trade.liquidation"], webhooks[1]!["events"]!.AsArray().Select(e => e.AsString()));
        Assert.DoesNotContain(first.Secret, body.ToJsonString());
    }

    [Fact]
    public async Task ListWebhooksOfANewKeyIsEmpty()
    {
        using var user = await app.CreateUserAsync();

        var body = await (await user.Http.GetAsync("/api/webhooks", Ct)).SuccessAsync(HttpStatusCode.OK);

        Assert.Empty(body["webhooks"]!.AsArray());
    }

    [Fact]
    public async Task GetWebhookReturnsItWithoutItsSecret()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.close");

        var response = await user.Http.GetAsync($"/api/webhooks/{created.Id}", Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "webhook", "health");
        ApiResponses.HasExactlyFields(body["health"]!, ApiResponses.HealthFields);
        var webhook = body["webhook"]!;
        ApiResponses.HasExactlyFields(webhook, ApiResponses.WebhookFields);
        Assert.Equal(created.Id, webhook["id"].AsString());
        Assert.Equal(created.Url, webhook["url"].AsString());
        Assert.Equal(["trade.close"], webhook["events"]!.AsArray().Select(e => e.AsString()));
        Assert.True(webhook["is_active"]!.GetValue<bool>());
        Assert.Null(webhook["disabled_at"]);
        Assert.Null(webhook["disabled_reason"]);
    }

    [Fact]
    public async Task GetUnknownWebhookReturnsNotFound()
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.GetAsync("/api/webhooks/wh_000000000000000000000000", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UpdateWebhookChangesOnlyTheGivenFields()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var original = (await user.GetJsonAsync($"/api/webhooks/{created.Id}"))["webhook"]!;
        var newUrl = app.Receiver.NewEndpoint();

        var urlResponse = await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { url = newUrl }, Ct);
        var eventsResponse = await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { events = new[] { "trade.close", "trade.liquidation" } }, Ct);

        var afterUrl = (await urlResponse.SuccessAsync(HttpStatusCode.OK))["webhook"]!;
        ApiResponses.HasExactlyFields(afterUrl, ApiResponses.WebhookFields);
        Assert.Equal(newUrl, afterUrl["url"].AsString());
        Assert.Equal(["trade.new"], afterUrl["events"]!.AsArray().Select(e => e.AsString()));
        var afterEvents = (await eventsResponse.SuccessAsync(HttpStatusCode.OK))["webhook"]!;
        Assert.Equal(newUrl, afterEvents["url"].AsString());
        Assert.Equal(["trade.close", "trade.liquidation"], afterEvents["events"]!.AsArray().Select(e => e.AsString()));
        Assert.True(afterEvents["is_active"]!.GetValue<bool>());
        Assert.Equal(original["created_at"].AsString(), afterEvents["created_at"].AsString());
        Assert.True(DateTimeOffset.Parse(afterEvents["updated_at"].AsString()) > DateTimeOffset.Parse(original["updated_at"].AsString()));
        Assert.Equal(afterEvents.ToJsonString(), (await user.GetJsonAsync($"/api/webhooks/{created.Id}"))["webhook"]!.ToJsonString());
    }

    [Fact]
    public async Task DeactivatingAWebhookRecordsWhyAndReactivatingClearsIt()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var off = (await (await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { is_active = false }, Ct))
            .SuccessAsync(HttpStatusCode.OK))["webhook"]!;
        var on = (await (await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { is_active = true }, Ct))
            .SuccessAsync(HttpStatusCode.OK))["webhook"]!;

        Assert.False(off["is_active"]!.GetValue<bool>());
        Assert.NotNull(off["disabled_at"]);
        Assert.Equal("disabled by the user", off["disabled_reason"].AsString());
        Assert.True(on["is_active"]!.GetValue<bool>());
        Assert.Null(on["disabled_at"]);
        Assert.Null(on["disabled_reason"]);
    }

    [Fact]
    public async Task DeleteWebhookRemovesIt()
    {
        using var user = await app.CreateUserAsync();
        var kept = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var deleted = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var response = await user.Http.DeleteAsync($"/api/webhooks/{deleted.Id}", Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "message");
        await (await user.Http.GetAsync($"/api/webhooks/{deleted.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound);
        var webhooks = (await user.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray();
        Assert.Equal([kept.Id], webhooks.Select(w => w!["id"].AsString()));
        await (await user.Http.DeleteAsync($"/api/webhooks/{deleted.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeletedWebhookReceivesNothing()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var kept = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var deleted = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/webhooks/{deleted.Id}", Ct)).StatusCode);

        await app.IngestAsync(Trades.Event(wallet));

        await app.Receiver.WaitForAsync(kept.Url, 1);
        await Quiet.WaitAsync(Ct);
        Assert.Empty(app.Receiver.Received(deleted.Url));
    }

    [Fact]
    public async Task DeleteWebhookRemovesItsHistoryAndRecordsNothingForAttemptsStillInFlight()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var deleted = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => (200, n <= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds(1))));
        await app.IngestAsync(Trades.Event(wallet));
        var first = Assert.Single(await app.Receiver.WaitForAsync(deleted.Url, 1));
        await user.WaitForDeliveryAsync(deleted.Id, first.Header("X-Delivery-ID"), d => d.Delivery.Status == "succeeded");

        // Five more, answered a second late: the webhook is deleted while they are at the receiver.
        await app.IngestAsync([.. Enumerable.Range(0, 5).Select(_ => Trades.Event(wallet))]);
        await app.Receiver.WaitForAsync(deleted.Url, 2);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/webhooks/{deleted.Id}", Ct)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await Quiet.WaitAsync(Ct);

        var sent = app.Receiver.Received(deleted.Url).Select(r => r.Header("X-Delivery-ID")).ToArray();
        Assert.Equal(6, sent.Length);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM deliveries WHERE webhook_id = $1", deleted.Id));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM delivery_attempts WHERE delivery_id = ANY ($1)", [sent]));
    }

    [Fact]
    public async Task RegenerateSecretReturnsANewSecretThatSignsFromThenOn()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var response = await user.Http.PostAsync($"/api/webhooks/{created.Id}/regenerate-secret", null, Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "webhook", "message");
        Assert.Contains("Save your secret - it will only be shown once!", body["message"].AsString());
        var webhook = body["webhook"]!;
        ApiResponses.HasExactlyFields(webhook, ApiResponses.WebhookWithSecretFields);
        Assert.Equal(created.Id, webhook["id"].AsString());
        var secret = webhook["secret"].AsString();
        Assert.Matches(ApiResponses.SecretPattern, secret);
        Assert.NotEqual(created.Secret, secret);

        var test = await user.Http.PostAsync($"/api/webhooks/{created.Id}/test", null, Ct);
        Assert.True((await test.SuccessAsync<TestSendAnswer>(HttpStatusCode.OK)).Test.Succeeded);
        var received = (await app.Receiver.WaitForAsync(created.Url, 1))[0];
        Assert.True(Signatures.VerifiesRaw(received, secret));
        Assert.False(Signatures.VerifiesRaw(received, created.Secret));
    }

    [Fact]
    public async Task RegenerateSecretOfUnknownWebhookReturnsNotFound()
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/webhooks/wh_000000000000000000000000/regenerate-secret", null, Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SecretIsShownOnlyAtCreationAndRegeneration()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var regenerated = (await (await user.Http.PostAsync($"/api/webhooks/{created.Id}/regenerate-secret", null, Ct))
            .SuccessAsync<WebhookWithSecretAnswer>(HttpStatusCode.OK)).Webhook.Secret;

        var answers = new[]
        {
            await user.Http.GetAsync("/api/webhooks", Ct),
            await user.Http.GetAsync($"/api/webhooks/{created.Id}", Ct),
            await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { events = new[] { "trade.new" } }, Ct),
            await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { is_active = false }, Ct),
            await user.Http.GetAsync($"/api/webhooks/{created.Id}/deliveries", Ct),
        };

        foreach (var answer in answers)
        {
            var text = (await answer.SuccessAsync(HttpStatusCode.OK)).ToJsonString();
            // The one member naming a secret is the time a rotated-out one stops signing, never a secret.
            Assert.DoesNotContain("secret", text.Replace("\"previous_secret_expires_at\":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(created.Secret, text);
            Assert.DoesNotContain(regenerated, text);
            Assert.DoesNotContain("whsec_", text);
        }
    }

    [Fact]
    public async Task WebhookResponsesUseSnakeCaseFieldsAsTheGuideShows()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var webhook = (await user.GetJsonAsync($"/api/webhooks/{created.Id}"))["webhook"]!.AsObject();

        Assert.All(webhook, p => Assert.Matches("^[a-z_]+$", p.Key));
        Assert.IsType<JsonArray>(webhook["events"]);
    }
}
