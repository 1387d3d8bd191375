using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Dispatcher.Storage;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Sends claimed deliveries, at most <see cref="DeliveryOptions.MaxConcurrency"/> at a time (callers wait for a
/// free slot, which is the back-pressure on reading more work), and within each user's fair share
/// (<see cref="SendFairness"/>: a job over it is deferred, not waited for). A job that waited so long for its slot
/// that its lease could run out mid-request renews the lease first, and is dropped if another replica took it over:
/// no attempt is sent twice. Each result, whatever went wrong, goes to the <see cref="ResultWriter"/>. At shutdown,
/// requests in flight get one timeout to finish; what is left is handed back to Postgres, due now.
/// </summary>
internal sealed class DeliveryWorker(
    WebhookSender sender,
    RetryPolicy retryPolicy,
    ResultWriter results,
    DispatchStore store,
    SendFairness fairness,
    PerpsMetrics metrics,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : IHostedService
{
    /// <summary>A deferred job is due again after this long; by then the user's requests in flight have moved on.</summary>
    private static readonly TimeSpan DeferDelay = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrency);
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly ConcurrentBag<DeliveryJob> _unsent = [];

    /// <summary>Sent within this long of its claim, an attempt ends well inside its lease; later, the lease is renewed first.</summary>
    private readonly TimeSpan _renewLeaseAfter = (options.Value.AttemptLease - options.Value.Timeout) / 2;

    /// <summary>Slots free now: how many due deliveries are worth claiming.</summary>
    public int FreeSlots => _slots.CurrentCount;

    /// <summary>Starts each job as a slot frees up. Jobs not started when <paramref name="cancellationToken"/> fires are handed back at shutdown.</summary>
    public async Task DispatchAsync(IReadOnlyList<DeliveryJob> jobs, CancellationToken cancellationToken)
    {
        var deferred = new List<DeliveryJob>();
        try
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                try
                {
                    await _slots.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    foreach (var job in jobs.Skip(i))
                    {
                        _unsent.Add(job);
                    }
                    throw;
                }
                var started = jobs[i];
                if (!fairness.TryEnter(started))
                {
                    _slots.Release();
                    deferred.Add(started);
                    continue;
                }
                _inFlight[started.DeliveryId] = Task.Run(() => RunAsync(started), CancellationToken.None);
            }
        }
        finally
        {
            await DeferAsync(deferred);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var finishing = Task.WhenAll(_inFlight.Values);
        await Task.WhenAny(finishing, Task.Delay(options.Value.Timeout, cancellationToken));
        await _abort.CancelAsync();
        await finishing.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);

        if (!_unsent.IsEmpty)
        {
            var unsent = _unsent.DistinctBy(j => j.DeliveryId).ToList();
            await store.HandBackAsync(unsent, TimeSpan.Zero, cancellationToken);
            Log.HandedBack(logger, unsent.Count);
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
            _slots.Release();
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
        if (Stopwatch.GetElapsedTime(job.ClaimedAt) < _renewLeaseAfter)
        {
            return true;
        }
        try
        {
            if (await store.RenewLeaseAsync(job, _abort.Token))
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
            await store.HandBackAsync(deferred, DeferDelay, CancellationToken.None);
            Log.Deferred(logger, deferred.Count);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Their leases run out and they are claimed again then.
            Log.DeferFailed(logger, ex, deferred.Count);
        }
    }
}
