using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Perps.SampleReceiver.Extensions;
using Perps.SampleReceiver.Webhooks;
using Perps.Webhooks;
using Perps.Webhooks.Events;
using Perps.Webhooks.Signing;

namespace Perps.Tests.Operability;

/// <summary>
/// The sample receiver, hosted in the test with its own services and endpoint, posting to a stand-in for Discord on
/// loopback that records what it is sent. Deliveries are built and signed exactly as Perps builds and signs them.
/// </summary>
public sealed class SampleReceiverTests : IAsyncLifetime
{
    private const string DiscordPath = "/api/webhooks/1234/token";

    private readonly string _secret = WebhookSignature.NewSecret();
    private readonly ConcurrentQueue<string> _discordPosts = new();
    private int _discordFailuresToCome;
    private WebApplication? _discord;
    private WebApplication? _receiver;
    private HttpClient? _client;

    private HttpClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _discord = BuildLoopbackApp();
        _discord.MapPost(DiscordPath, async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _discordPosts.Enqueue(await reader.ReadToEndAsync());
            return Interlocked.Decrement(ref _discordFailuresToCome) >= 0 ? Results.StatusCode(503) : Results.NoContent();
        });
        await _discord.StartAsync(ct);

        var discordUrl = _discord.Urls.First() + DiscordPath;
        _receiver = BuildLoopbackApp(builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Receiver:WebhookSecret"] = _secret,
                ["Receiver:DiscordWebhookUrl"] = discordUrl,
            });
            builder.AddApplicationServices(); // the receiver's own registrations, as its Program.cs makes them
        });
        _receiver.MapWebhookReceiverApi();
        await _receiver.StartAsync(ct);
        _client = new HttpClient { BaseAddress = new Uri(_receiver.Urls.First()) };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
        if (_discord is not null)
        {
            await _discord.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("long", "🟢 LONG SOL-PERP", 0x10b981)]
    [InlineData("short", "🔴 SHORT SOL-PERP", 0xef4444)]
    public async Task SignedNewTradeIsPostedToDiscordAsTheGuidesEmbed(string side, string title, int color)
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew) with { Side = side });

        var response = await SendAsync(body, Sign(body), Ids.New(Ids.Delivery));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var post = Assert.Single(_discordPosts);
        var embed = Assert.Single(JsonNode.Parse(post)!["embeds"]!.AsArray())!;
        Assert.Equal(title, embed["title"]!.GetValue<string>());
        Assert.Equal(color, embed["color"]!.GetValue<int>());
        Assert.Equal("2025-01-15T10:30:00Z", embed["timestamp"]!.GetValue<string>());
        var fields = embed["fields"]!.AsArray().Select(f => (
            Name: f!["name"]!.GetValue<string>(),
            Value: f["value"]!.GetValue<string>(),
            Inline: f["inline"]?.GetValue<bool>())).ToList();
        Assert.Equal(
            [("Size", "$15,000.5", true), ("Leverage", "5.2x", true), ("Entry", "$185.42", true), ("Trader", "`DRVRvzf8...`", (bool?)null)],
            fields);
    }

    [Theory]
    [InlineData("wrong secret")]
    [InlineData("missing")]
    [InlineData("uppercase")]
    public async Task BadSignatureGetsUnauthorizedAndNothingIsPosted(string flaw)
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var signature = flaw switch
        {
            "wrong secret" => WebhookSignature.Hex(WebhookSignature.NewSecret(), Encoding.UTF8.GetBytes(body)),
            "uppercase" => Sign(body).ToUpperInvariant(),
            _ => null,
        };

        var response = await SendAsync(body, signature, Ids.New(Ids.Delivery));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_discordPosts);
    }

    [Fact]
    public async Task SignatureOverOtherBytesThanTheBodyGetsUnauthorized()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var tampered = body.Replace("15000.5", "150000.5", StringComparison.Ordinal);

        var response = await SendAsync(tampered, Sign(body), Ids.New(Ids.Delivery));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_discordPosts);
    }

    [Fact]
    public async Task DuplicateDeliveryIdIsAcknowledgedAndNotPostedAgain()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);

        var first = await SendAsync(body, Sign(body), deliveryId);
        var second = await SendAsync(body, Sign(body), deliveryId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(_discordPosts);
    }

    [Theory]
    [InlineData(EventTypes.TradeClose)]
    [InlineData(EventTypes.TradeLiquidation)]
    public async Task ClosesAndLiquidationsAreAcknowledgedAndNotPosted(string type)
    {
        var body = Body(type, SampleEvents.For(type));

        var response = await SendAsync(body, Sign(body), Ids.New(Ids.Delivery));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_discordPosts);
    }

    [Fact]
    public async Task DiscordFailureGetsServerErrorAndTheRetryIsPosted()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        _discordFailuresToCome = 1;

        var first = await SendAsync(body, Sign(body), deliveryId);
        var retry = await SendAsync(body, Sign(body), deliveryId);

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(2, _discordPosts.Count);
    }

    private static string Body(string type, TradeData data) =>
        EventBody.Create(Ids.New(Ids.Event), type, created: 1736937000, data);

    private string Sign(string body) => WebhookSignature.Hex(_secret, Encoding.UTF8.GetBytes(body));

    private async Task<HttpResponseMessage> SendAsync(string body, string? signature, string deliveryId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhook")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.Add("X-Webhook-Signature", signature);
        }
        request.Headers.Add("X-Delivery-ID", deliveryId);
        request.Headers.Add("X-Delivery-Attempt", "1");
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static WebApplication BuildLoopbackApp(Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        return builder.Build();
    }
}
