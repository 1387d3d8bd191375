using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Sends deliveries (fresh from a fan-out, or claimed from Postgres), at most <see cref="DeliveryOptions.MaxConcurrency"/> at a time, each user within its
/// share (<see cref="SendFairness"/>). Jobs wait in one queue per user, started in turn, so one user's slow endpoints
/// hold back only that user's jobs. Callers wait while the queues are full (the back-pressure on reading more work);
/// a user whose own queue stays full and stalls (slow endpoints) defers its surplus to Postgres instead of holding the caller. A job that waited
/// so long that its lease could run out mid-request renews the lease first, and is dropped if another replica took
/// it over: no attempt is sent twice (a fresh delivery's lease is its fan-out's stream entry, renewed by the
/// <see cref="EventStreamConsumer"/>). Jobs to a rate-limited or paused endpoint first ask the
/// <see cref="EndpointThrottle"/>: held in memory until their slot (outside the queues, holding no send slot), or
/// handed back to Postgres due at it, never failed. Each result, whatever went wrong, goes to the <see cref="RecordQueue"/>. At
/// shutdown, requests in flight get one timeout to finish; what is left is handed back to Postgres, due now.
/// </summary>
internal sealed class DeliveryWorker(
    WebhookSender sender,
    RetryPolicy retryPolicy,
    RecordQueue results,
    DueDeliveries due,
    SendFairness fairness,
    EndpointThrottle throttle,
    PerpsMetrics metrics,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : IHostedService
{
    /// <summary>A deferred job is due again after this long; by then the user's requests in flight have moved on.</summary>
    private static readonly TimeSpan DeferDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a user's job may wait for room in that user's full queue before the rest is deferred.</summary>
    private static readonly TimeSpan DeferAfterWaiting = TimeSpan.FromMilliseconds(500);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UserQueue> _waiting = new(StringComparer.Ordinal);
    private readonly Queue<string> _turns = new();
    private int _queued;
    private int _running;
    private TaskCompletionSource _moved = NewSignal();

    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly ConcurrentBag<DeliveryJob> _unsent = [];
    private readonly ConcurrentDictionary<string, DeliveryJob> _held = new();
    private readonly CancellationTokenSource _stopHolding = new();

    /// <summary>Sent within this long of its claim, an attempt ends well inside its lease; later, the lease is renewed first.</summary>
    private readonly TimeSpan _renewLeaseAfter = (options.Value.AttemptLease - options.Value.Timeout) / 2;

    private int QueueLimit => options.Value.MaxConcurrency * 4;

    private int UserQueueLimit => options.Value.MaxConcurrencyPerTenant * 2;

    /// <summary>Slots free now, nothing queued for them: how many due deliveries are worth claiming.</summary>
    public int FreeSlots
    {
        get
        {
            lock (_lock)
            {
                return Math.Max(0, options.Value.MaxConcurrency - _running - _queued);
            }
        }
    }

    /// <summary>Queues the jobs, each user's in order. Jobs not queued when <paramref name="cancellationToken"/> fires are handed back at shutdown.</summary>
    public async Task DispatchAsync(IReadOnlyList<DeliveryJob> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Any(j => j.IsThrottled))
        {
            jobs = await ThrottleAsync(jobs);
        }
        var deferred = new ConcurrentBag<DeliveryJob>();
        try
        {
            await Task.WhenAll(jobs.GroupBy(j => j.TenantId).Select(user => QueueAsync(user.ToList(), deferred, cancellationToken)));
        }
        finally
        {
            await DeferAsync(deferred.ToList());
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopHolding.CancelAsync();
        foreach (var id in _held.Keys)
        {
            if (_held.TryRemove(id, out var job))
            {
                _unsent.Add(job);
            }
        }
        lock (_lock)
        {
            foreach (var job in _waiting.Values.SelectMany(queue => queue.Jobs))
            {
                _unsent.Add(job);
            }
            _waiting.Clear();
            _turns.Clear();
            _queued = 0;
        }
        var finishing = Task.WhenAll(_inFlight.Values);
        await Task.WhenAny(finishing, Task.Delay(options.Value.Timeout, cancellationToken));
        await _abort.CancelAsync();
        await finishing.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);

        if (!_unsent.IsEmpty)
        {
            var unsent = _unsent.DistinctBy(j => j.DeliveryId).ToList();
            await HandBackAsync(unsent, TimeSpan.Zero, cancellationToken);
            Log.HandedBack(logger, unsent.Count);
        }
    }

    /// <summary>
    /// Asks the throttle about the jobs to throttled endpoints; returns those to queue now (the others and the ones
    /// due at once). Held jobs are queued when their slot comes; the rest go back to Postgres, due at theirs. When
    /// Redis cannot be asked, the throttled jobs are due again in a second: a limit is never ignored.
    /// </summary>
    private async Task<IReadOnlyList<DeliveryJob>> ThrottleAsync(IReadOnlyList<DeliveryJob> jobs)
    {
        var now = jobs.Where(j => !j.IsThrottled).ToList();
        var throttled = jobs.Where(j => j.IsThrottled).ToList();
        List<ThrottleDecision> decisions;
        try
        {
            decisions = await throttle.DecideAsync(throttled);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleFailed(logger, ex, throttled.Count);
            decisions = throttled.Select(j => new ThrottleDecision(j, DeferDelay, Held: false)).ToList();
        }
        foreach (var decision in decisions.Where(d => d.Held))
        {
            if (decision.Wait <= TimeSpan.FromMilliseconds(1))
            {
                now.Add(decision.Job);
            }
            else
            {
                Hold(decision.Job, decision.Wait);
            }
        }
        if (decisions.Where(d => !d.Held).Select(d => (d.Job, d.Wait)).ToList() is { Count: > 0 } later)
        {
            try
            {
                await HandBackAsync(later, DeliveryStatus.Notes.Throttled, CancellationToken.None);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                Log.DeferFailed(logger, ex, later.Count); // their leases run out and they are claimed again then
            }
        }
        return now;
    }

    /// <summary>Keeps the job out of every queue until its reserved slot, then queues it like any other.</summary>
    private void Hold(DeliveryJob job, TimeSpan wait)
    {
        _held[job.DeliveryId] = job;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(wait, time, _stopHolding.Token);
            }
            catch (OperationCanceledException)
            {
                return; // stopping: StopAsync hands it back
            }
            if (_held.TryRemove(job.DeliveryId, out _))
            {
                var deferred = new ConcurrentBag<DeliveryJob>();
                try
                {
                    await QueueAsync([job], deferred, _stopHolding.Token);
                }
                catch (OperationCanceledException)
                {
                    // In _unsent: handed back at shutdown.
                }
                finally
                {
                    await DeferAsync(deferred.ToList());
                }
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// One user's jobs: waits while all queues are full; defers the rest when this user's own queue stays full and
    /// stalls, i.e. drains less than a whole queue in <see cref="DeferAfterWaiting"/>. A full queue that drains that
    /// fast (a busy user on a healthy endpoint, the machine at its limit) is back-pressure like any other: sending its
    /// surplus through Postgres would only cost more of what is short.
    /// </summary>
    private async Task QueueAsync(List<DeliveryJob> jobs, ConcurrentBag<DeliveryJob> deferred, CancellationToken cancellationToken)
    {
        var next = 0;
        try
        {
            for (; next < jobs.Count; next++)
            {
                var waitingSince = Stopwatch.GetTimestamp();
                UserQueue? watched = null;
                long startedThen = 0;
                while (!TryQueue(jobs[next], out var moved, out var fullQueue, out var started))
                {
                    if (fullQueue is null)
                    {
                        waitingSince = Stopwatch.GetTimestamp(); // everyone waits alike: back-pressure, not this user's excess
                        watched = null;
                        await moved.WaitAsync(cancellationToken);
                        continue;
                    }
                    if (watched != fullQueue)
                    {
                        (watched, startedThen, waitingSince) = (fullQueue, started, Stopwatch.GetTimestamp());
                    }
                    var left = DeferAfterWaiting - Stopwatch.GetElapsedTime(waitingSince);
                    if (left <= TimeSpan.Zero)
                    {
                        if (started - startedThen >= UserQueueLimit)
                        {
                            (startedThen, waitingSince) = (started, Stopwatch.GetTimestamp());
                            continue;
                        }
                        foreach (var job in jobs.Skip(next))
                        {
                            deferred.Add(job);
                        }
                        return;
                    }
                    await moved.WaitAsync(left, cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                StartWhatCan();
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var job in jobs.Skip(next))
            {
                _unsent.Add(job);
            }
            throw;
        }
    }

    /// <summary>Queues the job unless every queue, or its user's, is full; <paramref name="fullQueue"/> is the user's when that is why.</summary>
    private bool TryQueue(DeliveryJob job, out Task moved, out UserQueue? fullQueue, out long started)
    {
        lock (_lock)
        {
            moved = _moved.Task;
            var queue = _waiting.GetValueOrDefault(job.TenantId);
            fullQueue = queue?.Count >= UserQueueLimit ? queue : null;
            started = queue?.Started ?? 0;
            if (_queued >= QueueLimit || fullQueue is not null)
            {
                return false;
            }
            if (queue is null)
            {
                _waiting[job.TenantId] = queue = new UserQueue();
                _turns.Enqueue(job.TenantId);
            }
            queue.Add(job);
            _queued++;
            return true;
        }
    }

    /// <summary>Starts queued jobs while slots are free, one per user in turn, each within its user's and host's share.</summary>
    private void StartWhatCan()
    {
        var starting = new List<DeliveryJob>();
        lock (_lock)
        {
            var progressed = true;
            while (progressed && _running < options.Value.MaxConcurrency && _turns.Count > 0)
            {
                progressed = false;
                for (var turns = _turns.Count; turns > 0 && _running < options.Value.MaxConcurrency; turns--)
                {
                    var user = _turns.Dequeue();
                    var queue = _waiting[user];
                    if (fairness.HasRoom(user) && queue.TakeNext(fairness.TryEnter) is { } job)
                    {
                        starting.Add(job);
                        _queued--;
                        _running++;
                        progressed = true;
                    }
                    if (queue.Count > 0)
                    {
                        _turns.Enqueue(user);
                    }
                    else
                    {
                        _waiting.Remove(user);
                    }
                }
            }
            if (starting.Count > 0)
            {
                _moved.TrySetResult();
                _moved = NewSignal();
            }
        }
        foreach (var job in starting)
        {
            // Registered before it starts: a job that ends at once must find its entry to remove, not leave one behind.
            var run = new Task<Task>(() => RunAsync(job));
            _inFlight[job.DeliveryId] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunAsync(DeliveryJob job)
    {
        try
        {
            if (!await StillOwnedAsync(job))
            {
                return;
            }
            using var activity = DispatcherTelemetry.StartDelivery(job);
            var outcome = await sender.SendAsync(job, _abort.Token);
            activity?.SetTag("http.response.status_code", outcome.StatusCode);
            if (!outcome.Succeeded)
            {
                activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
            }
            Record(retryPolicy.Decide(job, outcome), job);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            _unsent.Add(job);
        }
        catch (Exception ex)
        {
            // Whatever broke, the attempt is on record as failed: a delivery never stays pending, sent again and again.
            Log.DeliveryCrashed(logger, ex, job.DeliveryId);
            Record(retryPolicy.Decide(job, new AttemptOutcome(time.GetUtcNow(), null, TimeSpan.Zero, "internal error: the attempt could not be completed", null, null)), job);
        }
        finally
        {
            fairness.Exit(job);
            _inFlight.TryRemove(job.DeliveryId, out _);
            lock (_lock)
            {
                _running--;
            }
            StartWhatCan();
        }
    }

    private void Record(AttemptRecord record, DeliveryJob job)
    {
        metrics.Attempted(record, job.EventStoredAt);
        results.Add(record);
    }

    /// <summary>True when the claim is fresh, or its lease was renewed; false when another replica has taken it over.</summary>
    private async Task<bool> StillOwnedAsync(DeliveryJob job)
    {
        if (!job.IsStored || Stopwatch.GetElapsedTime(job.ClaimedAt) < _renewLeaseAfter)
        {
            return true;
        }
        try
        {
            if (await due.RenewLeaseAsync(job, _abort.Token))
            {
                return true;
            }
            Log.LeaseLost(logger, job.DeliveryId, job.Attempt);
            return false;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Not sure it is still ours: not sending is the safe side; the lease runs out and the attempt is made then.
            Log.LeaseRenewalFailed(logger, ex, job.DeliveryId);
            return false;
        }
    }

    private async Task DeferAsync(List<DeliveryJob> deferred)
    {
        if (deferred.Count == 0)
        {
            return;
        }
        try
        {
            await HandBackAsync(deferred, DeferDelay, CancellationToken.None);
            Log.Deferred(logger, deferred.Count);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Their leases run out and they are claimed again then.
            Log.DeferFailed(logger, ex, deferred.Count);
        }
    }

    /// <summary>
    /// Puts unsent attempts back in line, due after <paramref name="delay"/>: a claimed one gets its attempt number
    /// back; a fresh one is recorded as a pending delivery with no attempt.
    /// </summary>
    private Task HandBackAsync(IReadOnlyList<DeliveryJob> jobs, TimeSpan delay, CancellationToken cancellationToken) =>
        HandBackAsync(jobs.Select(j => (j, delay)).ToList(), null, cancellationToken);

    /// <summary>As above, each due after its own delay; <paramref name="note"/> says why a fresh one was not attempted.</summary>
    private async Task HandBackAsync(IReadOnlyList<(DeliveryJob Job, TimeSpan Delay)> jobs, string? note, CancellationToken cancellationToken)
    {
        foreach (var (job, delay) in jobs.Where(j => !j.Job.IsStored))
        {
            results.Add(AttemptRecord.NotAttempted(job, DeliveryStatus.Pending, delay, note));
        }
        if (jobs.Where(j => j.Job.IsStored).ToList() is { Count: > 0 } claimed)
        {
            await due.HandBackAsync(claimed, cancellationToken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
