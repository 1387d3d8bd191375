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
        // No trace headers on deliveries: our trace ids are not the endpoint's business. The runtime writes them
        // through this propagator, and OpenTelemetry adds none of its own while ServiceDefaults keeps the W3C
        // TraceContextPropagator as the default (see its ConfigureOpenTelemetry).
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    })
    {
        // Each attempt carries its own deadline (DeliveryOptions.Timeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
