using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

public sealed class SignedDeliveryTests(PerpsAppFixture app)
{
    [Fact]
    public async Task IngestedTradeReachesTheWatcherSignedAsTheGuideDescribes()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var eventId = (await app.IngestAsync(Trades.Event(wallet)))[0];

        var request = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0];
        Assert.Equal("application/json", request.Header("Content-Type").Split(';')[0]);
        Assert.Equal(webhook.Id, request.Header("X-Webhook-ID"));
        Assert.Equal("trade.new", request.Header("X-Event-Type"));
        Assert.Equal("1", request.Header("X-Delivery-Attempt"));
        Assert.StartsWith("dlv_", request.Header("X-Delivery-ID"));
        Assert.Equal(request.Header("X-Delivery-ID"), request.Header("webhook-id"));
        Assert.Matches("^[0-9a-f]{64}$", request.Header("X-Webhook-Signature"));
        Assert.True(Signatures.VerifiesRaw(request, webhook.Secret));
        Assert.True(Signatures.VerifiesStandard(request, webhook.Secret));
        Assert.Equal("", request.Header("traceparent")); // our trace ids are not the endpoint's business

        var expectedBody = $$$"""{"id":"{{{eventId}}}","type":"trade.new","created":{{{Signatures.Parse(request)["created"]}}},"data":{"owner":"{{{wallet}}}","marketSymbol":"SOL-PERP","side":"long","sizeUsd":15000.5,"leverage":5.2,"entryPrice":185.42,"collateral":2884.71,"timestamp":"2025-01-15T10:30:00Z"}}""";
        Assert.Equal(expectedBody, request.BodyText);
        var created = Signatures.Parse(request)["created"]!.GetValue<long>();
        Assert.InRange(created, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task DeliveriesVerifyUnderTheGuidesNodeAndPythonExamplesAsWritten()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        await app.IngestAsync(
            Trades.Event(wallet),
            Trades.Event(wallet, "trade.close", adjust: d => d["marketSymbol"] = "ÉTH-PERP <>&' \u2028 \"q\" \\ \u0001 \t 🚀"),
            Trades.Event(wallet, "trade.liquidation", adjust: d =>
            {
                d["sizeUsd"] = 1e21;
                d["leverage"] = 1.5e-7;
                d["entryPrice"] = 5e-324;
                d["collateral"] = 0.000001;
                d["pnlUsd"] = -1.7976931348623157e308;
            }));

        var received = await app.Receiver.WaitForAsync(webhook.Url, 3);
        foreach (var request in received)
        {
            Assert.Equal("valid", await GuideVerifiers.NodeAsync(request, webhook.Secret));
            Assert.Equal("valid", await GuideVerifiers.PythonAsync(request, webhook.Secret));
        }
    }
}
