namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// The (event id, webhook id) pairs the receiver has had a verified delivery for. Kept as 64-bit hashes in hash sets
/// of structs, one lock per stripe: a long soak sees millions of pairs, and millions of strings would be objects for
/// the benchmark's own GC to trace while it times the pipeline. Two pairs sharing a hash (odds about 1 in 10^6 at ten
/// million pairs) would count as one, showing as a missing delivery, never as one delivered that was not.
/// </summary>
internal sealed class DeliveredPairs
{
    private const int Stripes = 64;
    private readonly HashSet<ulong>[] _sets = Enumerable.Range(0, Stripes).Select(_ => new HashSet<ulong>()).ToArray();

    /// <summary>True when the pair is new.</summary>
    public bool Add(string eventId, string webhookId)
    {
        var hash = Hash(eventId, webhookId);
        var set = _sets[hash % Stripes];
        lock (set)
        {
            return set.Add(hash);
        }
    }

    public bool Contains(string eventId, string webhookId)
    {
        var hash = Hash(eventId, webhookId);
        var set = _sets[hash % Stripes];
        lock (set)
        {
            return set.Contains(hash);
        }
    }

    /// <summary>FNV-1a over "event id/webhook id" (webhook ids hold no '/'): no package, and enough for ids that are not adversarial.</summary>
    private static ulong Hash(string eventId, string webhookId)
    {
        const ulong Prime = 1099511628211;
        var hash = 14695981039346656037;
        foreach (var c in eventId)
        {
            hash = (hash ^ c) * Prime;
        }
        hash = (hash ^ '/') * Prime;
        foreach (var c in webhookId)
        {
            hash = (hash ^ c) * Prime;
        }
        return hash;
    }
}
