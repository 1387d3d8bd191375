using Microsoft.Extensions.Hosting;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;

namespace Perps.Webhooks.Lifecycle;

/// <summary>A test send's delivery and how the endpoint answered it.</summary>
public sealed record TestSend(string DeliveryId, string EventId, string Type, AttemptOutcome Outcome);

/// <summary>
/// Sends a signed sample event now, through the same signing and recording as every delivery. Once stored, the
/// send and its record no longer follow the caller: a client that hangs up still leaves a finished delivery (only
/// the service stopping cuts it short). A test says nothing about the endpoint's health: it never counts toward
/// disabling it.
/// </summary>
public sealed class TestSends(ManualDeliveries manual, WebhookSender sender, DeliveryRecorder recorder, TimeProvider time, IHostApplicationLifetime lifetime)
{
    /// <summary>Null when the webhook was deleted before its test was stored.</summary>
    public async Task<TestSend?> SendAsync(string apiKeyId, string webhookId, string url, byte[] sealedSecret, string type, CancellationToken cancellationToken)
    {
        var eventId = Ids.New(Ids.Event);
        var data = SampleEvents.For(type);
        var body = EventBody.Create(eventId, type, time.GetUtcNow().ToUnixTimeSeconds(), data);
        if (await manual.CreateTestAsync(apiKeyId, webhookId, url, sealedSecret, eventId, type, data.Owner, body, cancellationToken) is not { } job)
        {
            return null;
        }
        var outcome = await sender.SendAsync(job, lifetime.ApplicationStopping);
        var status = outcome.Succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Failed;
        await recorder.RecordAsync([AttemptRecord.Of(job, outcome, status, null)], CancellationToken.None);
        return new TestSend(job.DeliveryId, eventId, type, outcome);
    }
}
