using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;

namespace Perps.Api.RateLimits;

/// <summary>
/// Two limits, both answered with a 429 problem and <c>Retry-After</c>. Before authentication,
/// <see cref="FailedAuthGate"/> stops an address that keeps presenting wrong keys. After authorization, every
/// authenticated request draws from its bucket: one per user API key id (not per presented header value, so a
/// guessed key never gets a bucket of its own), one per client address for the admin key and for the ingest key.
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.IsValid(), "RateLimit figures must be positive and RateLimit:TrustedProxies must be CIDR networks.")
            .ValidateOnStart();
        services.AddSingleton<ClientAddress>();
        services.AddSingleton<FailedAuthGate>();
        services.AddSingleton<IngestCapacity>();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                Bucket.For(context) is { } bucket
                    ? RateLimitPartition.GetTokenBucketLimiter(bucket.Partition, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = bucket.Burst,
                        TokensPerPeriod = bucket.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = (rejected, _) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var bucket = Bucket.For(rejected.HttpContext)!;
                return new ValueTask(TooManyRequests.WriteAsync(rejected.HttpContext, wait,
                    seconds => $"{bucket.Holder} is over its limit of {bucket.PermitsPerSecond} requests per second; retry after {seconds} s."));
            };
        });
        return services;
    }

    /// <summary>Runs before authentication: see <see cref="FailedAuthGate"/>.</summary>
    public static IApplicationBuilder UseFailedAuthLimit(this IApplicationBuilder app) => app.UseMiddleware<FailedAuthGate>();

    /// <summary>The bucket an authenticated request draws from; none for routes without a key (health, the API reference).</summary>
    private sealed record Bucket(string Partition, int PermitsPerSecond, int Burst, string Holder)
    {
        public static Bucket? For(HttpContext context)
        {
            if (context.User.Identity is not { IsAuthenticated: true, AuthenticationType: { } scheme })
            {
                return null;
            }
            var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
            return scheme switch
            {
                AuthSchemes.ApiKey => new($"key {context.User.ApiKeyId()}", options.PermitsPerSecond, options.Burst, "This API key"),
                AuthSchemes.Admin => new($"admin {Address(context)}", options.AdminPermitsPerSecond, options.AdminBurst,
                    "The admin key from this address"),
                AuthSchemes.Ingest => new($"ingest {Address(context)}", options.IngestPermitsPerSecond, options.IngestBurst,
                    "The ingest key from this address"),
                _ => null,
            };
        }

        private static string Address(HttpContext context) => context.RequestServices.GetRequiredService<ClientAddress>().Of(context);
    }
}
