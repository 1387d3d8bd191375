using System.Collections.Concurrent;
using System.Globalization;
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
        Assert.Equal("Already processed", await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Single(_discordPosts);
    }

    [Fact]
    public async Task ReplayWithAnotherUnsignedXDeliveryIdIsStillADuplicate()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var first = await SendAsync(body, Sign(body), deliveryId, Standard(deliveryId, timestamp, body));
        var replay = await SendAsync(body, Sign(body), deliveryId, Standard(deliveryId, timestamp, body), xDeliveryId: Ids.New(Ids.Delivery));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("Already processed", await replay.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Single(_discordPosts);
    }

    [Theory]
    [InlineData(-6 * 60)] // a delivery captured six minutes ago and sent again
    [InlineData(-24 * 60 * 60)]
    [InlineData(6 * 60)] // from the future: a clock far off, or a forger's way around the window
    public async Task RequestWithATimestampOutsideFiveMinutesIsRefusedAndNothingIsPosted(int offsetSeconds)
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var timestamp = DateTimeOffset.UtcNow.AddSeconds(offsetSeconds).ToUnixTimeSeconds();

        // Signed correctly by Perps, for its own time: only the time gives the replay away.
        var response = await SendAsync(body, Sign(body), deliveryId, Standard(deliveryId, timestamp, body));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_discordPosts);
    }

    [Fact]
    public async Task RequestWithATimestampWithinFiveMinutesIsAccepted()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var timestamp = DateTimeOffset.UtcNow.AddMinutes(-4).ToUnixTimeSeconds();

        var response = await SendAsync(body, Sign(body), deliveryId, Standard(deliveryId, timestamp, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_discordPosts);
    }

    [Theory]
    [InlineData("no webhook-signature")]
    [InlineData("no webhook-timestamp")]
    [InlineData("no webhook-id")]
    [InlineData("signed with another secret")]
    [InlineData("signed over another timestamp")]
    [InlineData("not v1")]
    [InlineData("not base64")]
    public async Task ValidHexSignatureWithAForgedOrMissingStandardSignatureIsRefused(string flaw)
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var standard = Standard(deliveryId, now, body);
        standard = flaw switch
        {
            "no webhook-signature" => standard with { Signature = null },
            "no webhook-timestamp" => standard with { Timestamp = null },
            "no webhook-id" => standard with { Id = null },
            "signed with another secret" => standard with
            {
                Signature = WebhookSignature.StandardV1(WebhookSignature.NewSecret(), deliveryId, now, Encoding.UTF8.GetBytes(body)),
            },
            "signed over another timestamp" => standard with { Timestamp = (now - 1).ToString(CultureInfo.InvariantCulture) },
            "not v1" => standard with { Signature = "v2," + standard.Signature!["v1,".Length..] },
            _ => standard with { Signature = "v1,!!!" },
        };

        var response = await SendAsync(body, Sign(body), deliveryId, standard);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_discordPosts);
    }

    [Fact]
    public async Task ReplayUnderAChangedWebhookIdIsRefused()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var captured = Standard(deliveryId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body);
        var first = await SendAsync(body, Sign(body), deliveryId, captured);

        // The same signed request, under a fresh id to get past the duplicate check.
        var freshId = Ids.New(Ids.Delivery);
        var replay = await SendAsync(body, Sign(body), freshId, captured with { Id = freshId });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Single(_discordPosts);
    }

    [Fact]
    public async Task SeveralSignaturesAreAcceptedWhenOneMatches()
    {
        var body = Body(EventTypes.TradeNew, SampleEvents.For(EventTypes.TradeNew));
        var deliveryId = Ids.New(Ids.Delivery);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var standard = Standard(deliveryId, now, body);
        var other = WebhookSignature.StandardV1(WebhookSignature.NewSecret(), deliveryId, now, Encoding.UTF8.GetBytes(body));

        var response = await SendAsync(body, Sign(body), deliveryId, standard with { Signature = $"{other} {standard.Signature}" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
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

    /// <summary>The Standard Webhooks headers as Perps sends them: webhook-id is the delivery id.</summary>
    private StandardHeaders Standard(string deliveryId, long timestamp, string body) => new(
        deliveryId,
        timestamp.ToString(CultureInfo.InvariantCulture),
        WebhookSignature.StandardV1(_secret, deliveryId, timestamp, Encoding.UTF8.GetBytes(body)));

    /// <summary>Posts as Perps does: signed both ways, for now, unless <paramref name="standard"/> says otherwise.</summary>
    private async Task<HttpResponseMessage> SendAsync(string body, string? signature, string deliveryId,
        StandardHeaders? standard = null, string? xDeliveryId = null)
    {
        standard ??= Standard(deliveryId, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhook")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.Add("X-Webhook-Signature", signature);
        }
        request.Headers.Add("X-Delivery-ID", xDeliveryId ?? deliveryId);
        request.Headers.Add("X-Delivery-Attempt", "1");
        AddIfPresent(request, "webhook-id", standard.Id);
        AddIfPresent(request, "webhook-timestamp", standard.Timestamp);
        AddIfPresent(request, "webhook-signature", standard.Signature);
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static void AddIfPresent(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private sealed record StandardHeaders(string? Id, string? Timestamp, string? Signature);

    private static WebApplication BuildLoopbackApp(Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        configure?.Invoke(builder);
        return builder.Build();
    }
}
