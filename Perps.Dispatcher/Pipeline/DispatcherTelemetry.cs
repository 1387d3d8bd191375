using System.Diagnostics;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Pipeline;

/// <summary>Spans of the dispatcher, each delivery attempt a child of the ingest request that carried its event.</summary>
internal static class DispatcherTelemetry
{
    public static Activity? StartDelivery(DeliveryJob job)
    {
        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        var activity = PerpsTracing.Source.StartActivity("webhook delivery", ActivityKind.Internal, parent);
        activity?.SetTag("perps.delivery.id", job.DeliveryId);
        activity?.SetTag("perps.webhook.id", job.WebhookId);
        activity?.SetTag("perps.event.type", job.EventType);
        activity?.SetTag("perps.delivery.attempt", job.Attempt);
        return activity;
    }
}
