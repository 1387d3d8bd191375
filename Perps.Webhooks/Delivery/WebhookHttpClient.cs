using System.Diagnostics;
using System.Net;
using Perps.Webhooks.Security;

namespace Perps.Webhooks.Delivery;

/// <summary>The outbound client for deliveries: pooled connections to allowed addresses only, no redirects, no cookies, no proxy.</summary>
public static class WebhookHttpClient
{
    /// <summary>A connection takes at most the attempt's <see cref="DeliveryOptions.Timeout"/>; a host gets at most <see cref="DeliveryOptions.MaxConcurrency"/> of them, one per request in flight.</summary>
    public static HttpClient Create(SafeConnector connector, DeliveryOptions options) => new(new SocketsHttpHandler
    {
        ConnectCallback = connector.ConnectAsync,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = options.Timeout,
        MaxConnectionsPerServer = options.MaxConcurrency,
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
