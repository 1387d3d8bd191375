using System.Diagnostics.Metrics;
using Perps.Webhooks.Telemetry;

namespace Perps.Api.Alerts;

/// <summary>The alert channel's instruments, on the service's meter.</summary>
internal sealed class AlertMetrics
{
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _slowConsumerCloses;
    private readonly Histogram<double> _latency;

    public AlertMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(PerpsMetrics.MeterName);
        _connections = meter.CreateUpDownCounter<long>("perps.alerts.connections", "{connection}", "Open alert WebSocket connections");
        _sent = meter.CreateCounter<long>("perps.alerts.sent", "{alert}", "Alert frames written to connections");
        _resumes = meter.CreateCounter<long>("perps.alerts.resumes", "{resume}", "Resumes, by outcome (replayed or resync_required)");
        _slowConsumerCloses = meter.CreateCounter<long>("perps.alerts.slow_consumer_closes", "{connection}", "Connections closed because their send queue was full");
        _latency = meter.CreateHistogram<double>("perps.alerts.latency", "s", "From the event being stored to its alert frame being written");
    }

    public void Opened() => _connections.Add(1);

    public void Closed() => _connections.Add(-1);

    public void AlertSent(TimeSpan sinceStored)
    {
        _sent.Add(1);
        _latency.Record(Math.Max(0, sinceStored.TotalSeconds));
    }

    public void Resumed(bool replayed) => _resumes.Add(1, new KeyValuePair<string, object?>("perps.alerts.resume.outcome", replayed ? "replayed" : "resync_required"));

    public void SlowConsumerClosed() => _slowConsumerCloses.Add(1);
}
