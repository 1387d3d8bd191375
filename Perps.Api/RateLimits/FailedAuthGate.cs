using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;

namespace Perps.Api.RateLimits;

/// <summary>
/// Counts failed authentication attempts (401s: no key, or a wrong user, admin or ingest key) per client address,
/// and answers 429 to an address that has spent its allowance before its key is looked up, so guessing keys costs
/// the database nothing once over the limit. Only failures count: a busy address whose keys are right is never
/// refused here. Runs before authentication.
/// </summary>
/// <remarks>
/// A user key that authenticated in the last few minutes passes even from a refused address, so an attacker behind
/// the same NAT or ingress cannot lock its users out; its lookup still runs, so a revoked key fails at once. User keys
/// are 256-bit random: no guess finds one, so this opens no guessing oracle. The admin and ingest keys are chosen by
/// the operator and may be weak: they get no such pass. Requests already past the check when the allowance runs out
/// still finish, so the attempts looked up can exceed the limit by the requests in flight at that moment.
/// </remarks>
internal sealed class FailedAuthGate : IMiddleware, IDisposable
{
    private static readonly TimeSpan KnownKeyLifetime = TimeSpan.FromMinutes(10);

    private readonly PartitionedRateLimiter<string> _failures;
    private readonly TimeSpan _perAttempt;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _knownKeys = new(StringComparer.Ordinal);
    private readonly ClientAddress _addresses;
    private readonly TimeProvider _time;
    private readonly ILogger<FailedAuthGate> _logger;

    public FailedAuthGate(IOptions<RateLimitOptions> options, ClientAddress addresses, TimeProvider time, ILogger<FailedAuthGate> logger)
    {
        var perMinute = options.Value.FailedAuthPerMinute;
        _perAttempt = TimeSpan.FromMinutes(1) / perMinute;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new()
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = _perAttempt,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _addresses = addresses;
        _time = time;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>() is not { Count: > 0 } policies)
        {
            await next(context); // no key is checked on this route
            return;
        }

        var address = _addresses.Of(context);
        var userKey = policies.All(p => p.Policy is AuthSchemes.ApiKey or AuthSchemes.ApiKeyOrFirstFrame) ? UserKeyHash(context) : null;
        if (!IsKnown(userKey))
        {
            if (!HasAttemptLeft(address))
            {
                await TooManyRequests.WriteAsync(context, _perAttempt,
                    seconds => $"Too many failed authentication attempts from this address; retry after {seconds} s.");
                return;
            }
        }

        await next(context);

        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            Charge(address);
            if (userKey is not null)
            {
                _knownKeys.TryRemove(userKey, out _);
            }
        }
        else if (userKey is not null && context.User.Identity?.AuthenticationType == AuthSchemes.ApiKey)
        {
            _knownKeys[userKey] = _time.GetUtcNow() + KnownKeyLifetime;
        }
    }

    /// <summary>A wrong key presented some other way than a header (an alert socket's first frame) counts too.</summary>
    public void RecordFailure(HttpContext context) => Charge(_addresses.Of(context));

    public void Dispose() => _failures.Dispose();

    private void Charge(string address)
    {
        using (_failures.AttemptAcquire(address, permitCount: 1))
        {
        }
        if (!HasAttemptLeft(address))
        {
            Log.FailedAuthLimitReached(_logger, address);
        }
    }

    /// <summary>
    /// Looks without taking. Not AttemptAcquire(0): the bucket refills in fractions, and a zero-permit acquire succeeds
    /// on any fraction above nothing, so it would let every attempt through.
    /// </summary>
    private bool HasAttemptLeft(string address) => _failures.GetStatistics(address) is not { CurrentAvailablePermits: < 1 };

    private bool IsKnown(string? userKey) =>
        userKey is not null && _knownKeys.TryGetValue(userKey, out var until) && until > _time.GetUtcNow();

    /// <summary>The presented user key's hash (never the key itself is kept); null when none was sent.</summary>
    private static string? UserKeyHash(HttpContext context) =>
        context.Request.Headers[AuthSchemes.ApiKeyHeader].ToString() is { Length: > 0 } key ? Convert.ToBase64String(ApiKeys.Hash(key)) : null;
}
