using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Perps.SampleReceiver.Discord;

namespace Perps.SampleReceiver.Webhooks;

/// <summary><c>POST /webhook</c>: what the guide's Express server does, with the checks its other sections add.</summary>
internal static class WebhookReceiverApi
{
    /// <summary>The payload's camelCase names; a missing field is an error, not a null in a non-null property.</summary>
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static RouteGroupBuilder MapWebhookReceiverApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/webhook");

        api.MapPost("", ReceiveAsync);

        return api;
    }

    /// <summary>
    /// 401 unless both signatures are right: the guide's <c>X-Webhook-Signature</c> over the raw body, and the Standard
    /// Webhooks <c>webhook-signature</c> over the <c>webhook-id</c>, a <c>webhook-timestamp</c> within the tolerance and
    /// the body. 200 "Already processed" for a <c>webhook-id</c> seen before (the delivery id, and signed, unlike
    /// <c>X-Delivery-ID</c>); else a new trade is posted to Discord and the answer is 200 "OK" (500 if Discord failed,
    /// so Perps retries).
    /// </summary>
    private static async Task<Results<ContentHttpResult, UnauthorizedHttpResult, BadRequest, StatusCodeHttpResult>> ReceiveAsync(
        HttpRequest request, IOptions<ReceiverOptions> options, DeliveryDeduplicator deliveries, DiscordNotifier discord,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(WebhookReceiverApi));
        // The signatures cover the bytes as sent, so read them before any JSON parsing.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var deliveryId = request.Headers["webhook-id"].ToString();

        // Verified before the duplicate check, so a forged request cannot make a real delivery look like a duplicate.
        if (!SignatureVerifier.IsValid(options.Value.WebhookSecret, body, request.Headers["X-Webhook-Signature"]))
        {
            Log.InvalidSignature(logger, deliveryId);
            return TypedResults.Unauthorized();
        }
        // The hex signature covers the body only: a captured delivery would verify forever, under any delivery id.
        var standard = StandardSignatureVerifier.Verify(options.Value.WebhookSecret, deliveryId, request.Headers["webhook-timestamp"],
            body, request.Headers["webhook-signature"], time.GetUtcNow(), options.Value.TimestampTolerance);
        if (standard != StandardSignatureResult.Valid)
        {
            Log.InvalidStandardSignature(logger, deliveryId, standard);
            return TypedResults.Unauthorized();
        }

        WebhookEvent webhookEvent;
        try
        {
            webhookEvent = JsonSerializer.Deserialize<WebhookEvent>(body, EventJson)
                ?? throw new JsonException("The body is null.");
        }
        catch (JsonException ex)
        {
            Log.UnreadableEvent(logger, ex, deliveryId);
            return TypedResults.BadRequest();
        }

        // The guide de-duplicates on X-Delivery-ID; webhook-id carries the same delivery id but is signed, so a
        // replay cannot pass as a new delivery by changing it.
        if (!deliveries.TryBegin(deliveryId))
        {
            Log.Duplicate(logger, deliveryId);
            return TypedResults.Text("Already processed");
        }
        Log.Received(logger, webhookEvent.Type, webhookEvent.Id, deliveryId);

        try
        {
            if (webhookEvent.Type == "trade.new")
            {
                await discord.NotifyNewTradeAsync(webhookEvent.Data, ct);
            }
            return TypedResults.Text("OK");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            deliveries.Forget(deliveryId);
            Log.DiscordFailed(logger, ex, deliveryId);
            return TypedResults.StatusCode(StatusCodes.Status500InternalServerError);
        }
    }
}
