using System.Diagnostics;

namespace Perps.Webhooks.Telemetry;

/// <summary>The service's own spans (deliveries, alerts, demo trades), on the source ServiceDefaults exports, named like the meter.</summary>
public static class PerpsTracing
{
    public static readonly ActivitySource Source = new(PerpsMetrics.MeterName);
}
