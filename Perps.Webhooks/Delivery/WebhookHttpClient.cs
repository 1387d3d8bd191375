using System.Diagnostics;
using System.Net;
using Perps.Webhooks.Security;

namespace Perps.Webhooks.Delivery;

/// <summary>The outbound client for deliveries: pooled connections to allowed addresses only, no redirects, no cookies, no proxy.</summary>
public static class WebhookHttpClient
{
    public static HttpClient Create(SafeConnector connector) => new(new SocketsHttpHandler
    {
        ConnectCallback = connector.ConnectAsync,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        MaxConnectionsPerServer = 256,
        // The runtime adds no trace headers to deliveries. (OpenTelemetry's HttpClient instrumentation still injects
        // traceparent when tracing is on; keeping it off deliveries is left to the telemetry work.)
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    })
    {
        // Each attempt carries its own deadline (DeliveryOptions.Timeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
