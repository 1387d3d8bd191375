using System.Diagnostics;
using System.Diagnostics.Metrics;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;

namespace Perps.Webhooks.Telemetry;

/// <summary>
/// The service's own instruments, on the meter <c>Perps</c> (exported by ServiceDefaults). Names and units follow
/// the OpenTelemetry conventions.
/// </summary>
public sealed class PerpsMetrics
{
    public const string MeterName = "Perps";

    public const string EventsIngested = "perps.events.ingested";
    public const string DeliveriesFinished = "perps.deliveries.finished";
    public const string AttemptDuration = "perps.delivery.attempt.duration";
    public const string EndToEndLatency = "perps.delivery.latency";
    public const string StreamLag = "perps.stream.lag";
    public const string StreamPending = "perps.stream.pending";
    public const string WebhooksDisabled = "perps.webhooks.disabled";

    private readonly Counter<long> _eventsIngested;
    private readonly Counter<long> _deliveriesFinished;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _webhooksDisabled;
    private long _streamLag;
    private long _streamPending;

    public PerpsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _eventsIngested = meter.CreateCounter<long>(EventsIngested, "{event}", "Trade events accepted and stored");
        _deliveriesFinished = meter.CreateCounter<long>(DeliveriesFinished, "{delivery}", "Deliveries that reached a final outcome");
        _attemptDuration = meter.CreateHistogram<double>(AttemptDuration, "s", "Duration of each delivery attempt's HTTP request");
        _latency = meter.CreateHistogram<double>(EndToEndLatency, "s", "From the event being stored to the endpoint's 2xx answer");
        _webhooksDisabled = meter.CreateCounter<long>(WebhooksDisabled, "{webhook}", "Endpoints disabled after repeated failed deliveries");
        meter.CreateObservableGauge(StreamLag, () => Interlocked.Read(ref _streamLag), "{entry}", "Stream entries not yet read by any dispatcher");
        meter.CreateObservableGauge(StreamPending, () => Interlocked.Read(ref _streamPending), "{entry}", "Stream entries read but not yet acknowledged");
    }

    public void Ingested(int count) => _eventsIngested.Add(count);

    public void Attempted(AttemptRecord record, DateTimeOffset eventStoredAt)
    {
        if (record.Outcome is not { } attempt)
        {
            return;
        }
        var outcome = record.Status switch
        {
            DeliveryStatus.Pending => "retrying",
            _ => record.Status,
        };
        var tags = new TagList { { "perps.delivery.outcome", outcome } };
        if (attempt.StatusCode is { } code)
        {
            tags.Add("http.response.status_code", code);
        }
        _attemptDuration.Record(attempt.Duration.TotalSeconds, tags);
        if (record.Status != DeliveryStatus.Pending)
        {
            _deliveriesFinished.Add(1, new KeyValuePair<string, object?>("perps.delivery.outcome", record.Status));
        }
        if (record.Status == DeliveryStatus.Succeeded)
        {
            var finishedAt = attempt.AttemptedAt + attempt.Duration;
            _latency.Record(Math.Max(0, (finishedAt - eventStoredAt).TotalSeconds));
        }
    }

    public void Disabled(int count) => _webhooksDisabled.Add(count);

    public void StreamObserved(long lag, long pending)
    {
        Interlocked.Exchange(ref _streamLag, lag);
        Interlocked.Exchange(ref _streamPending, pending);
    }

    public (long Lag, long Pending) Stream => (Interlocked.Read(ref _streamLag), Interlocked.Read(ref _streamPending));
}
