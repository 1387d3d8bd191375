using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Perps.Dispatcher.Storage;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Sends claimed deliveries, at most <see cref="DeliveryOptions.MaxConcurrency"/> at a time (callers wait for a
/// free slot, which is the back-pressure on reading more work). Each result goes to the <see cref="ResultWriter"/>.
/// At shutdown, requests in flight get one timeout to finish; what is left is handed back to Postgres, due now.
/// </summary>
internal sealed class DeliveryWorker(
    WebhookSender sender,
    RetryPolicy retryPolicy,
    ResultWriter results,
    DispatchStore store,
    PerpsMetrics metrics,
    IOptions<DeliveryOptions> options,
    ILogger<DeliveryWorker> logger) : IHostedService
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrency);
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<string, Task> _inFlight = new();
    private readonly ConcurrentBag<string> _unsent = [];

    /// <summary>Starts each job as a slot frees up. Jobs not started when <paramref name="cancellationToken"/> fires are handed back at shutdown.</summary>
    public async Task DispatchAsync(IReadOnlyList<DeliveryJob> jobs, CancellationToken cancellationToken)
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
                    _unsent.Add(job.DeliveryId);
                }
                throw;
            }
            var started = jobs[i];
            _inFlight[started.DeliveryId] = Task.Run(() => RunAsync(started), CancellationToken.None);
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
            var unsent = _unsent.Distinct().ToList();
            await store.HandBackAsync(unsent, cancellationToken);
            Log.HandedBack(logger, unsent.Count);
        }
    }

    private async Task RunAsync(DeliveryJob job)
    {
        try
        {
            using var activity = DispatcherTelemetry.StartDelivery(job);
            var outcome = await sender.SendAsync(job, _abort.Token);
            activity?.SetTag("http.response.status_code", outcome.StatusCode);
            if (!outcome.Succeeded)
            {
                activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
            }
            var record = retryPolicy.Decide(job, outcome);
            metrics.Attempted(record, job.EventStoredAt);
            results.Add(record);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            _unsent.Add(job.DeliveryId);
        }
        catch (Exception ex)
        {
            // One bad delivery never stops the others; its lease expires and it is tried again.
            Log.DeliveryCrashed(logger, ex, job.DeliveryId);
        }
        finally
        {
            _inFlight.TryRemove(job.DeliveryId, out _);
            _slots.Release();
        }
    }
}
