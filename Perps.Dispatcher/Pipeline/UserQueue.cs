using Perps.Webhooks.Delivery;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// One user's jobs waiting for a send slot, a queue per host taken in turn: a host at its share holds back only its
/// own jobs, and finding the next job that may start costs one look per host, not one per waiting job. Jobs to one
/// host (so to one webhook) keep their order.
/// </summary>
internal sealed class UserQueue
{
    private readonly Dictionary<string, Queue<DeliveryJob>> _byHost = new(StringComparer.Ordinal);
    private readonly Queue<string> _hostTurns = new();

    public int Count { get; private set; }

    /// <summary>Jobs taken so far: how fast this user's queue drains.</summary>
    public long Started { get; private set; }

    public IEnumerable<DeliveryJob> Jobs => _byHost.Values.SelectMany(jobs => jobs);

    public void Add(DeliveryJob job)
    {
        if (!_byHost.TryGetValue(job.Authority, out var jobs))
        {
            _byHost[job.Authority] = jobs = new Queue<DeliveryJob>();
            _hostTurns.Enqueue(job.Authority);
        }
        jobs.Enqueue(job);
        Count++;
    }

    /// <summary>Takes the next job, of the next host in turn that <paramref name="tryEnter"/> lets in; null when none may start.</summary>
    public DeliveryJob? TakeNext(Func<DeliveryJob, bool> tryEnter)
    {
        for (var turns = _hostTurns.Count; turns > 0; turns--)
        {
            var host = _hostTurns.Dequeue();
            var jobs = _byHost[host];
            var job = tryEnter(jobs.Peek()) ? jobs.Dequeue() : null;
            if (jobs.Count > 0)
            {
                _hostTurns.Enqueue(host);
            }
            else
            {
                _byHost.Remove(host);
            }
            if (job is not null)
            {
                Count--;
                Started++;
                return job;
            }
        }
        return null;
    }
}
