using System.Diagnostics;
using Perps.Api.Alerts;
using Perps.Api.Contracts;
using Perps.Webhooks;
using Perps.Webhooks.Events;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Api.Data;

/// <summary>
/// What happens to valid trades, whoever sends them (<c>POST /api/trades</c> or the demo feed): each gets an id and
/// its exact body, is stored (an id stored before is skipped), and the new ones are queued for fan-out as one batch.
/// </summary>
internal sealed class TradeIngestor(EventStore events, EventQueue queue, AlertSignal alerts, PerpsMetrics metrics, TimeProvider time, ILogger<TradeIngestor> logger)
{
    /// <summary>Returns every event of the request, stored now or before, once all of them are durably stored.</summary>
    public async Task<List<StoredEvent>> IngestAsync(IReadOnlyList<TradeEventRequest> trades, CancellationToken cancellationToken)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var stored = trades.Select(t => ToStoredEvent(t, created)).ToList();
        var traceParent = Activity.Current is { Recorded: true } activity ? activity.Id : null;
        var batchId = Ids.New(Ids.Batch);
        var inserted = await events.InsertNewAsync(stored, batchId, traceParent, cancellationToken);
        metrics.Ingested(inserted.Count);
        if (inserted.Count > 0)
        {
            alerts.EventsStored(); // in memory: this replica's alert connections hear of them at once

            try
            {
                await queue.EnqueueAsync(batchId, inserted);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Stored is what was promised; the dispatchers' sweep fans out events whose stream entry never came.
                Log.EnqueueFailed(logger, ex);
            }
        }
        return stored;
    }

    private static StoredEvent ToStoredEvent(TradeEventRequest trade, long created)
    {
        var id = trade.Id ?? Ids.New(Ids.Event);
        var d = trade.Data;
        var data = new TradeData(d.Owner, d.MarketSymbol, d.Side, d.SizeUsd, d.Leverage, d.EntryPrice, d.Collateral, d.Timestamp, d.ExitPrice, d.PnlUsd);
        return new StoredEvent(id, trade.Type, d.Owner, EventBody.Create(id, trade.Type, created, data), d.MarketSymbol, d.Side, d.SizeUsd, d.Leverage);
    }
}
