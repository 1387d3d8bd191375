using System.Diagnostics;
using Microsoft.Extensions.Options;
using Perps.Api.Data;
using Perps.Webhooks.Telemetry;

namespace Perps.Api.Feed;

/// <summary>
/// The demo trade feed: with <c>Feed:Enabled</c>, one generated trade per <c>Feed:Interval</c> for a watched wallet,
/// ingested exactly as <c>POST /api/trades</c> ingests, so deliveries flow to the watchers' webhooks.
/// </summary>
internal sealed class TradeFeed(
    IOptions<FeedOptions> options, WalletStore wallets, TradeIngestor ingestor, TimeProvider time, ILogger<TradeFeed> logger)
    : BackgroundService
{
    public bool IsRunning { get; private set; }

    /// <summary>Why the last tick failed; null once a tick succeeds.</summary>
    public string? LastError { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var feed = options.Value;
        if (!feed.Enabled)
        {
            return;
        }

        IsRunning = true;
        Log.FeedStarted(logger, feed.Interval);
        var generator = new TradeFeedGenerator(new Random());
        IReadOnlyList<string> watched = [];
        var refreshedAt = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(feed.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                if (now - refreshedAt >= feed.WalletRefresh)
                {
                    var latest = await wallets.ListWatchedAddressesAsync(feed.MaxWallets, stoppingToken);
                    if (refreshedAt == DateTimeOffset.MinValue || latest.Count != watched.Count)
                    {
                        Log.FeedWallets(logger, latest.Count);
                    }
                    (watched, refreshedAt) = (latest, now);
                }

                if (generator.Next(watched, now) is { } trade)
                {
                    // Its own root, as an ingest request has: the trade's deliveries and alerts join this trace.
                    using var activity = PerpsTracing.Source.StartActivity("feed trade", ActivityKind.Producer, parentContext: default);
                    activity?.SetTag("perps.event.type", trade.Type);
                    var stored = await ingestor.IngestAsync([trade], stoppingToken);
                    Log.FeedTrade(logger, trade.Type, stored[0].Id, trade.Data.MarketSymbol, trade.Data.Owner);
                }
                LastError = null;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The schema may not be applied yet, or Postgres may be restarting: try again next tick.
                LastError = ex.Message;
                Log.FeedTickFailed(logger, ex);
            }
        }
    }
}
