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
    private readonly Dictionary<string, int> _byTenant = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Tenant, string Host), int> _byHost = new();
    private readonly Lock _lock = new();

    /// <summary>Counts the job in, unless its user or its user's host is at the limit.</summary>
    public bool TryEnter(DeliveryJob job)
    {
        var host = (job.TenantId, job.Authority);
        lock (_lock)
        {
            var tenantCount = _byTenant.GetValueOrDefault(job.TenantId);
            var hostCount = _byHost.GetValueOrDefault(host);
            if (tenantCount >= options.Value.MaxConcurrencyPerTenant || hostCount >= options.Value.MaxConcurrencyPerHost)
            {
                return false;
            }
            _byTenant[job.TenantId] = tenantCount + 1;
            _byHost[host] = hostCount + 1;
            return true;
        }
    }

    /// <summary>Whether the user is below its share (its hosts aside).</summary>
    public bool HasRoom(string tenantId)
    {
        lock (_lock)
        {
            return _byTenant.GetValueOrDefault(tenantId) < options.Value.MaxConcurrencyPerTenant;
        }
    }

    public void Exit(DeliveryJob job)
    {
        lock (_lock)
        {
            Decrement(_byTenant, job.TenantId);
            Decrement(_byHost, (job.TenantId, job.Authority));
        }
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key) where TKey : notnull
    {
        var count = counts.GetValueOrDefault(key);
        if (count <= 1)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count - 1;
        }
    }
}
