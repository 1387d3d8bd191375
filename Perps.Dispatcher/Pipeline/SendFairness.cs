using Microsoft.Extensions.Options;
using Perps.Webhooks.Delivery;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// How many requests each user, and each user's host, has in flight on this replica, against
/// <see cref="DeliveryOptions.MaxConcurrencyPerTenant"/> and <see cref="DeliveryOptions.MaxConcurrencyPerHost"/>:
/// one user's hanging endpoints hold a bounded share of the send slots, and many webhooks on one victim URL do not
/// multiply the traffic it gets.
/// </summary>
internal sealed class SendFairness(IOptions<DeliveryOptions> options)
{
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Counts the job in, unless its user or its user's host is at the limit.</summary>
    public bool TryEnter(DeliveryJob job)
    {
        var (tenant, host) = Keys(job);
        lock (_lock)
        {
            if (Count(tenant) >= options.Value.MaxConcurrencyPerTenant || Count(host) >= options.Value.MaxConcurrencyPerHost)
            {
                return false;
            }
            _inFlight[tenant] = Count(tenant) + 1;
            _inFlight[host] = Count(host) + 1;
            return true;
        }
    }

    /// <summary>Whether the job's user is below its share (its hosts aside).</summary>
    public bool HasRoom(DeliveryJob job)
    {
        lock (_lock)
        {
            return Count(TenantKey(job)) < options.Value.MaxConcurrencyPerTenant;
        }
    }

    public void Exit(DeliveryJob job)
    {
        var (tenant, host) = Keys(job);
        lock (_lock)
        {
            Decrement(tenant);
            Decrement(host);
        }
    }

    private int Count(string key) => _inFlight.GetValueOrDefault(key);

    private void Decrement(string key)
    {
        if (Count(key) <= 1)
        {
            _inFlight.Remove(key);
        }
        else
        {
            _inFlight[key] = Count(key) - 1;
        }
    }

    private static string TenantKey(DeliveryJob job) => $"tenant {job.TenantId}";

    private static (string Tenant, string Host) Keys(DeliveryJob job) => (TenantKey(job), $"host {job.TenantId} {job.Authority}");
}
