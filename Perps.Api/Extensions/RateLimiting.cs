using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;

namespace Perps.Api.Extensions;

/// <summary>Section <c>RateLimit</c>: a token bucket per user API key.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    public int PermitsPerSecond { get; set; } = 50;

    public int Burst { get; set; } = 100;
}

/// <summary>
/// Per-key rate limiting of the user API: over the limit is a 429 problem with <c>Retry-After</c>. The operator keys
/// (admin, ingest) are not limited here: ingestion is one trusted feed, bounded by its batch size and body limit.
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PermitsPerSecond > 0 && o.Burst > 0, "RateLimit figures must be positive.")
            .ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var key = context.Request.Headers[AuthSchemes.ApiKeyHeader].ToString();
                if (key.Length == 0)
                {
                    return RateLimitPartition.GetNoLimiter("");
                }
                var options = RateLimitOptionsFor(context);
                // The key's hash, never the key itself, names its bucket.
                var bucket = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
                return RateLimitPartition.GetTokenBucketLimiter(bucket, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"This key is over its limit of {RateLimitOptionsFor(http).PermitsPerSecond} requests per second; retry after {seconds} s.",
                    },
                });
            };
        });
        return services;
    }

    private static RateLimitOptions RateLimitOptionsFor(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
}
