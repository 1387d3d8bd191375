using System.Diagnostics;
using Microsoft.Extensions.Options;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Api.Alerts;

/// <summary>
/// This replica's alert fan-out. While it holds connections it tails the event log in position order (final
/// positions only, see <see cref="AlertLog"/>) and queues each event's alert on the live connections of the keys
/// watching its wallet. A connection that resumes replays from the log on its own until it reaches the tail, then
/// turns live under the same lock the tail moves under, so no event is skipped or repeated at the seam.
/// </summary>
/// <remarks>
/// Woken at once by ingestion on this replica, by the other replicas through a Redis channel, and otherwise every
/// <see cref="AlertOptions.PollInterval"/>: Redis only makes alerts faster, never decides what is sent.
/// </remarks>
internal sealed partial class AlertHub(
    AlertLog log,
    AlertSignal signal,
    IConnectionMultiplexer redis,
    IOptions<AlertOptions> options,
    ILogger<AlertHub> logger) : BackgroundService
{
    public static readonly RedisChannel WakeChannel = RedisChannel.Literal("perps:alerts:stored");

    private const int ReadBatch = 1000;
    private const int ReplayBatch = 500;
    private static readonly TimeSpan MaxPendingWait = TimeSpan.FromMilliseconds(32);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<AlertConnection>> _byKey = new(StringComparer.Ordinal);
    private readonly string _replica = Perps.Webhooks.Ids.New("replica");
    private AlertPosition _tail;
    private bool _tracking;
    private int _trackingGeneration;
    private string? _epoch;

    public string Epoch => _epoch ?? throw new InvalidOperationException("The alert hub has not started.");

    /// <summary>Every open connection of this replica (for the revocation check and the shutdown).</summary>
    public List<AlertConnection> Connections()
    {
        lock (_gate)
        {
            return _byKey.Values.SelectMany(c => c).ToList();
        }
    }

    /// <summary>
    /// Registers a connection that receives live alerts from the tail on; <paramref name="announce"/> queues the
    /// frames that name that starting position, before any alert.
    /// </summary>
    public Task AttachLiveAsync(AlertConnection connection, Action<AlertPosition> announce, CancellationToken cancellationToken) =>
        AttachAsync(connection, tail =>
        {
            connection.Position = tail;
            connection.IsLive = true;
            announce(tail);
        }, cancellationToken);

    /// <summary>Registers a connection that replays from a cursor before it turns live (see <see cref="CatchUpAsync"/>).</summary>
    public Task AttachCatchingUpAsync(AlertConnection connection, AlertPosition from, CancellationToken cancellationToken) =>
        AttachAsync(connection, _ =>
        {
            connection.Position = from;
            connection.IsLive = false;
        }, cancellationToken);

    /// <summary>Turns a live connection back to replay from <paramref name="from"/>: a resume sent as its first op.</summary>
    public void Rewind(AlertConnection connection, AlertPosition from)
    {
        lock (_gate)
        {
            connection.IsLive = false;
            connection.Position = from;
            connection.Rewind();
        }
    }

    /// <summary>
    /// Replays the key's events after the connection's position up to the tail, at the client's pace, then turns
    /// the connection live if the tail has not moved meanwhile (else replays the rest first).
    /// </summary>
    public async Task CatchUpAsync(AlertConnection connection, CancellationToken cancellationToken)
    {
        AlertPosition position, upTo;
        lock (_gate)
        {
            position = connection.Position;
            upTo = _tail;
        }
        while (true)
        {
            List<LoggedEvent> events;
            do
            {
                events = await log.ReplayAsync(connection.ApiKeyId, connection.Events, position, upTo, ReplayBatch, cancellationToken);
                foreach (var e in events)
                {
                    if (TradeFilterMatch.Passes(connection.Filters, e.Facts))
                    {
                        await connection.EnqueueReplayAsync(AlertFrames.Alert(e, Epoch), cancellationToken);
                    }
                    position = e.Position;
                }
            }
            while (events.Count == ReplayBatch);

            // A cursor from a replica further ahead can be past this one's tail: nothing up to it is sent again.
            position = position > upTo ? position : upTo;
            lock (_gate)
            {
                if (_tail == upTo || connection.IsClosing)
                {
                    connection.Position = position;
                    connection.IsLive = !connection.IsClosing;
                    return;
                }
                upTo = _tail;
            }
        }
    }

    /// <summary>
    /// Why a resume from <paramref name="cursor"/> cannot be served (null when it can): not a cursor, another event
    /// log's, naming no event of this log (a log restored from before it), or outside the replay window.
    /// </summary>
    public async Task<(string? Problem, AlertPosition From)> CheckResumeAsync(string cursor, CancellationToken cancellationToken)
    {
        if (!AlertCursor.TryParse(cursor, out var epoch, out var position))
        {
            return ("the cursor is not one this service gave", default);
        }
        if (epoch != Epoch)
        {
            return ("the cursor is from an event log that no longer exists (the service's data was replaced)", position);
        }
        var settings = options.Value;
        return await log.IsWithinWindowAsync(position, settings.ReplayWindow, settings.ReplayEvents, cancellationToken) switch
        {
            null => ("the cursor names no event of this log (its data was restored from an earlier point)", position),
            false => ($"the events after the cursor are older than the replay window ({settings.ReplayWindow} or the last {settings.ReplayEvents} events)", position),
            true => (null, position),
        };
    }

    public void Detach(AlertConnection connection)
    {
        lock (_gate)
        {
            connection.IsLive = false;
            if (_byKey.TryGetValue(connection.ApiKeyId, out var list) && list.Remove(connection) && list.Count == 0)
            {
                _byKey.Remove(connection.ApiKeyId);
            }
            if (_byKey.Count == 0)
            {
                _tracking = false; // nobody listens: the tail is found afresh when someone does
            }
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _epoch = await log.EpochAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var connection in Connections())
        {
            connection.Close(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "server shutting down; reconnect and resume");
        }
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await SubscribeToOtherReplicasAsync();
        var pendingWait = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            await signal.WaitAsync(pendingWait > TimeSpan.Zero ? pendingWait : options.Value.PollInterval, stoppingToken);
            if (signal.TakeStoredHere())
            {
                TellOtherReplicas();
            }
            try
            {
                var sawPending = await ReadNewEventsAsync(stoppingToken);
                pendingWait = sawPending ? Next(pendingWait) : TimeSpan.Zero;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogReadFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>Reads and dispatches everything final after the tail; true when later events are committed but not final yet.</summary>
    private async Task<bool> ReadNewEventsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            AlertPosition from;
            int generation;
            lock (_gate)
            {
                if (!_tracking)
                {
                    return false;
                }
                from = _tail;
                generation = _trackingGeneration;
            }
            var events = await log.ReadAfterAsync(from, ReadBatch, cancellationToken);
            var (dispatched, sawPending) = Dispatch(events, from, generation);
            if (sawPending || events.Count < ReadBatch || dispatched == 0)
            {
                return sawPending;
            }
        }
    }

    private (int Dispatched, bool SawPending) Dispatch(List<LoggedEvent> events, AlertPosition from, int generation)
    {
        var slow = new List<AlertConnection>();
        var traced = new List<(LoggedEvent Event, int Connections)>();
        var dispatched = 0;
        var sawPending = false;
        lock (_gate)
        {
            if (!_tracking || generation != _trackingGeneration || _tail != from)
            {
                return (0, false); // tracking restarted while this batch was read
            }
            foreach (var e in events)
            {
                if (!e.IsFinal)
                {
                    sawPending = true;
                    break;
                }
                _tail = e.Position;
                dispatched++;
                var sent = Offer(e, slow);
                if (sent > 0 && e.TraceParent is not null)
                {
                    traced.Add((e, sent));
                }
            }
        }
        foreach (var connection in slow)
        {
            connection.CloseAsSlowConsumer();
        }
        foreach (var (e, connections) in traced)
        {
            Trace(e, connections);
        }
        return (dispatched, sawPending);
    }

    /// <summary>Queues the event's alert on every live connection that wants it; returns how many. Under the lock.</summary>
    private int Offer(LoggedEvent e, List<AlertConnection> slow)
    {
        AlertFrame? frame = null;
        var sent = 0;
        foreach (var watcher in e.Watchers)
        {
            if (!_byKey.TryGetValue(watcher, out var connections))
            {
                continue;
            }
            foreach (var connection in connections)
            {
                if (!connection.IsLive || !connection.Wants(e) || e.Position <= connection.Position)
                {
                    continue;
                }
                frame ??= AlertFrames.Alert(e, Epoch);
                if (connection.Offer(frame))
                {
                    sent++;
                }
                else
                {
                    connection.IsLive = false;
                    slow.Add(connection);
                }
            }
        }
        return sent;
    }

    /// <summary>Adds the connection once the tail is tracked, setting it up from the tail under the lock.</summary>
    private async Task AttachAsync(AlertConnection connection, Action<AlertPosition> setUp, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_tracking)
                {
                    Add(connection);
                    setUp(_tail);
                    return;
                }
            }
            await StartTrackingAsync(cancellationToken);
        }
    }

    private void Add(AlertConnection connection)
    {
        if (!_byKey.TryGetValue(connection.ApiKeyId, out var list))
        {
            _byKey[connection.ApiKeyId] = list = [];
        }
        list.Add(connection);
    }

    private async Task StartTrackingAsync(CancellationToken cancellationToken)
    {
        var head = await log.HeadAsync(cancellationToken);
        lock (_gate)
        {
            if (!_tracking)
            {
                _tail = head;
                _tracking = true;
                _trackingGeneration++;
            }
        }
        signal.Wake();
    }

    private static TimeSpan Next(TimeSpan wait) =>
        wait == TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : wait * 2 > MaxPendingWait ? MaxPendingWait : wait * 2;

    private static void Trace(LoggedEvent e, int connections)
    {
        if (!PerpsTracing.Source.HasListeners() || !ActivityContext.TryParse(e.TraceParent, null, out var parent))
        {
            return;
        }
        using var activity = PerpsTracing.Source.StartActivity("alert " + e.Type, ActivityKind.Producer, parent);
        activity?.SetTag("perps.event.id", e.Id);
        activity?.SetTag("perps.alerts.connections", connections);
    }

    private async Task SubscribeToOtherReplicasAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(WakeChannel, (_, from) =>
            {
                if (from != _replica)
                {
                    signal.Wake();
                }
            });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The poll still finds other replicas' events; the subscription is only for speed.
            LogSubscribeFailed(logger, ex);
        }
    }

    private void TellOtherReplicas()
    {
        try
        {
            _ = redis.GetSubscriber().PublishAsync(WakeChannel, _replica, CommandFlags.FireAndForget); // never waits
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // As above: the other replicas poll.
        }
    }

    [LoggerMessage(1001, LogLevel.Warning, "Reading the alert log failed; trying again in a second (connections stay open and miss nothing)")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(1002, LogLevel.Warning, "Could not subscribe to other replicas' alert wake-ups; their events are found by polling")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
