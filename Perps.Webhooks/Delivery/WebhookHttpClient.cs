using System.Diagnostics;
using System.Net;

namespace Perps.Webhooks.Delivery;

/// <summary>The outbound client for deliveries: pooled connections, no redirects, no cookies, no proxy, no trace headers.</summary>
public static class WebhookHttpClient
{
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        MaxConnectionsPerServer = 256,
        // Our trace ids stay ours: endpoints get no traceparent header.
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    })
    {
        // Each attempt carries its own deadline (DeliveryOptions.Timeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
