using System.Net.WebSockets;
using System.Threading.Channels;
using Perps.Api.Contracts;
using Perps.Webhooks.Events;

namespace Perps.Api.Alerts;

/// <summary>
/// One open alert socket: a bounded queue of frames drained by a single writer, and its subscription. The
/// <see cref="AlertHub"/> fills the queue (never waiting: a full queue makes the client a slow consumer) and owns
/// <see cref="IsLive"/> and <see cref="Position"/>, under its lock.
/// </summary>
internal sealed class AlertConnection : IDisposable
{
    /// <summary>How long a close may take before the socket is dropped (a client that reads nothing never takes the close frame).</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(20);

    private readonly WebSocket _socket;
    private readonly Channel<Queued> _queue;
    private readonly AlertMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopWriting = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gateLock = new();
    private TaskCompletionSource _released = NewGate();
    private int _gate = Gate.Holding;
    private bool _alertWritten;
    private string[] _events = [.. EventTypes.All];
    private TradeFilters? _filters;
    private int _generation;
    private int _closing;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    public AlertConnection(WebSocket socket, string id, string apiKeyId, int sendQueueLimit, AlertMetrics metrics, TimeProvider time)
    {
        _socket = socket;
        Id = id;
        ApiKeyId = apiKeyId;
        _queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(sendQueueLimit) { SingleReader = true });
        _metrics = metrics;
        _time = time;
    }

    public string Id { get; }

    public string ApiKeyId { get; }

    /// <summary>The event types this connection receives.</summary>
    public string[] Events => Volatile.Read(ref _events);

    /// <summary>Hub-owned: whether live alerts are offered to it (false while it catches up or once it is closing).</summary>
    public bool IsLive { get; set; }

    /// <summary>Hub-owned: the position of the last alert queued (or where the connection started).</summary>
    public AlertPosition Position { get; set; }

    /// <summary>The position the welcome named: where live alerts start when no resume replaces it.</summary>
    public AlertPosition StartedAt { get; set; }

    public bool IsClosing => Volatile.Read(ref _closing) == 1;

    /// <summary>The trade filters this connection applies; null: every trade of its event types.</summary>
    public TradeFilters? Filters => Volatile.Read(ref _filters);

    /// <summary>Whether the event is of this connection's types and passes its filters.</summary>
    public bool Wants(LoggedEvent e) => Array.IndexOf(Events, e.Type) >= 0 && TradeFilterMatch.Passes(Filters, e.Facts);

    public void Subscribe(IReadOnlyList<string> events, TradeFilters? filters)
    {
        Volatile.Write(ref _filters, filters);
        Volatile.Write(ref _events, [.. events]);
    }

    /// <summary>Queues a live alert without waiting; false when the queue is full.</summary>
    public bool Offer(AlertFrame alert)
    {
        if (!_queue.Writer.TryWrite(new Queued(alert.Utf8, alert, Volatile.Read(ref _generation))))
        {
            return false;
        }
        Position = alert.Position;
        return true;
    }

    /// <summary>Queues a replayed alert, waiting for room: a replay goes at the client's pace.</summary>
    public ValueTask EnqueueReplayAsync(AlertFrame alert, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(new Queued(alert.Utf8, alert, Volatile.Read(ref _generation)), cancellationToken);

    /// <summary>Queues a control frame (welcome, pong, …); a client whose queue is full is a slow consumer.</summary>
    public void Send(byte[] frame)
    {
        if (!_queue.Writer.TryWrite(new Queued(frame, null, 0)))
        {
            CloseAsSlowConsumer();
        }
    }

    /// <summary>Drops the live alerts queued so far (unsent: the writer holds alerts until <see cref="Release"/>), for a resume.</summary>
    public void Rewind() => Interlocked.Increment(ref _generation);

    /// <summary>Lets the writer send alerts: after the first op (a resume once it is set up), or once no resume came in time.</summary>
    public void Release()
    {
        lock (_gateLock)
        {
            _gate = Gate.Released;
            _released.TrySetResult();
        }
    }

    /// <summary>The grace after the welcome ran out: alerts flow, unless a resume is being set up.</summary>
    public void ReleaseUnlessResuming()
    {
        lock (_gateLock)
        {
            if (_gate == Gate.Holding)
            {
                _gate = Gate.Released;
                _released.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Holds alerts back while a resume is set up: possible until the first alert is written (a resume after one
    /// would replay alerts out of order), even once the grace ran out. False when too late.
    /// </summary>
    public bool HoldForResume()
    {
        lock (_gateLock)
        {
            if (_alertWritten || _gate == Gate.Resuming)
            {
                return false;
            }
            if (_gate == Gate.Released)
            {
                _released = NewGate();
            }
            _gate = Gate.Resuming;
            return true;
        }
    }

    /// <summary>
    /// Closes with 1013 once the frames already queued are out (the client reads on and resumes from a later cursor);
    /// nothing more is queued.
    /// </summary>
    public void CloseAsSlowConsumer()
    {
        if (Close((WebSocketCloseStatus)1013,
                $"slow consumer: more than {_queue.Reader.Count} frames waiting; reconnect and resume from your last cursor", afterQueued: true))
        {
            _metrics.SlowConsumerClosed();
        }
    }

    /// <summary>
    /// Stops sending (at once, or <paramref name="afterQueued"/> frames) and closes with this status; true for the
    /// first call. A client that takes nothing more within <see cref="CloseTimeout"/> is dropped.
    /// </summary>
    public bool Close(WebSocketCloseStatus status, string reason, bool afterQueued = false)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return false;
        }
        _closeStatus = status;
        _closeReason = reason;
        if (afterQueued)
        {
            _queue.Writer.TryComplete();
        }
        else
        {
            _stopWriting.Cancel();
        }
        _abort.CancelAfter(CloseTimeout);
        return true;
    }

    /// <summary>Sends queued frames in order until the connection closes, then sends the close frame.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopWriting.Token, cancellationToken);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, cancellationToken);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop.Token))
            {
                while (!stop.IsCancellationRequested && _queue.Reader.TryRead(out var item))
                {
                    if (item.Alert is { } alert)
                    {
                        if (!await MayWriteAsync(item, stop.Token))
                        {
                            continue; // queued before a resume, which replays it in order
                        }
                        await _socket.SendAsync(item.Utf8, WebSocketMessageType.Text, endOfMessage: true, abort.Token);
                        _metrics.AlertSent(_time.GetUtcNow() - alert.StoredAt);
                    }
                    else
                    {
                        await _socket.SendAsync(item.Utf8, WebSocketMessageType.Text, endOfMessage: true, abort.Token);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            // Closing: the close frame follows.
        }

        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(_closeStatus, _closeReason, abort.Token);
        }
    }

    /// <summary>Waits while alerts are held; false for an alert queued before a resume. The first alert written ends the chance to resume.</summary>
    private async Task<bool> MayWriteAsync(Queued item, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task held;
            lock (_gateLock)
            {
                if (_gate == Gate.Released)
                {
                    if (item.Generation != Volatile.Read(ref _generation))
                    {
                        return false;
                    }
                    _alertWritten = true;
                    return true;
                }
                held = _released.Task;
            }
            await held.WaitAsync(cancellationToken);
        }
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose()
    {
        _stopWriting.Dispose();
        _abort.Dispose();
    }

    private static class Gate
    {
        public const int Holding = 0;
        public const int Released = 1;
        public const int Resuming = 2;
    }

    private readonly record struct Queued(byte[] Utf8, AlertFrame? Alert, int Generation);
}
