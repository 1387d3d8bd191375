using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Perps.Api.Alerts;

/// <summary>
/// The life of one authenticated alert connection: welcome, optional resume, the client's ops, and the close.
/// Three loops share the connection: the writer (its queue to the socket), the reader (the client's frames, so
/// keep-alive pongs and closes are seen even during a long replay), and a replay when the client resumes.
/// </summary>
internal sealed class AlertSession(AlertHub hub, AlertMetrics metrics, IOptions<AlertOptions> options, TimeProvider time)
{
    private static readonly TimeSpan CloseAnswerTimeout = TimeSpan.FromSeconds(2);

    public async Task RunAsync(WebSocket socket, string connectionId, string apiKeyId, string? resumeFrom, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var connection = new AlertConnection(socket, connectionId, apiKeyId, settings.SendQueueLimit, metrics, time);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        metrics.Opened();
        var writer = Task.CompletedTask;
        var reader = Task.CompletedTask;
        var replay = Task.CompletedTask;
        try
        {
            writer = connection.WriteAsync(ending.Token);
            if (resumeFrom is not null)
            {
                replay = await StartFromHeaderAsync(connection, resumeFrom, ending.Token);
            }
            else
            {
                await hub.AttachLiveAsync(connection, start => connection.Send(Welcome(connection, start)), ending.Token);
            }
            using var grace = new Timer(_ => connection.ReleaseUnlessResuming(), null, settings.ResumeGrace, Timeout.InfiniteTimeSpan);
            reader = ReadAsync(socket, connection, resumeFrom is null, task => replay = task, ending.Token);
            if (await Task.WhenAny(reader, writer) == writer)
            {
                // The server closed (slow consumer, shutdown): the client has a moment to answer the close.
                await Task.WhenAny(reader, Task.Delay(CloseAnswerTimeout, time, CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away or the server is stopping: nothing to tell anyone.
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            connection.Close(WebSocketCloseStatus.InternalServerError, "the event log is unavailable; reconnect and resume shortly");
        }
        finally
        {
            hub.Detach(connection);
            connection.Close(WebSocketCloseStatus.NormalClosure, "");
            await Ended(writer);
            await ending.CancelAsync();
            await Ended(reader);
            await Ended(replay);
            metrics.Closed();
        }
    }

    /// <summary>A resume asked for on the upgrade: the welcome names the cursor and the replay starts at once.</summary>
    private async Task<Task> StartFromHeaderAsync(AlertConnection connection, string cursor, CancellationToken cancellationToken)
    {
        connection.Release();
        var (problem, from) = await hub.CheckResumeAsync(cursor, cancellationToken);
        metrics.Resumed(problem is null);
        if (problem is not null)
        {
            await hub.AttachLiveAsync(connection, start =>
            {
                connection.Send(Welcome(connection, start));
                connection.Send(AlertFrames.ResyncRequired(problem, AlertCursor.Format(hub.Epoch, start)));
            }, cancellationToken);
            return Task.CompletedTask;
        }
        connection.Send(AlertFrames.Welcome(connection.Id, connection.Events, cursor));
        await hub.AttachCatchingUpAsync(connection, from, cancellationToken);
        return ReplayAsync(connection, hub, cancellationToken);
    }

    /// <summary>Reads the client's frames until it closes, answering each op.</summary>
    private async Task ReadAsync(WebSocket socket, AlertConnection connection, bool mayResume, Action<Task> replayStarted, CancellationToken cancellationToken)
    {
        var buffer = new byte[AlertOptions.MaxClientFrameBytes];
        var first = true;
        while (!connection.IsClosing)
        {
            var frame = await ClientFrames.ReceiveAsync(socket, buffer, cancellationToken);
            switch (frame)
            {
                case ClientFrame.Closed:
                    connection.Close(WebSocketCloseStatus.NormalClosure, "");
                    return;
                case ClientFrame.TooBig:
                    connection.Close(WebSocketCloseStatus.MessageTooBig, $"frames are limited to {AlertOptions.MaxClientFrameBytes} bytes");
                    return;
                case ClientFrame.Binary:
                    connection.Send(AlertFrames.Error("Frames must be JSON text, not binary."));
                    break;
                case ClientFrame.Text(var length):
                    var op = ClientOp.Parse(buffer.AsMemory(0, length));
                    if (op is ClientOp.Resume(var cursor) && first && mayResume && connection.HoldForResume())
                    {
                        replayStarted(await ResumeAsync(connection, cursor, cancellationToken));
                    }
                    else
                    {
                        Answer(connection, op);
                    }
                    break;
            }
            if (first)
            {
                first = false;
                connection.Release();
            }
        }
    }

    /// <summary>A resume sent as the first op: the live alerts held since the welcome are dropped and replayed in order.</summary>
    private async Task<Task> ResumeAsync(AlertConnection connection, string cursor, CancellationToken cancellationToken)
    {
        var (problem, from) = await hub.CheckResumeAsync(cursor, cancellationToken);
        metrics.Resumed(problem is null);
        if (problem is not null)
        {
            // Alerts continue after the welcome's cursor, as they were.
            connection.Send(AlertFrames.ResyncRequired(problem, AlertCursor.Format(hub.Epoch, connection.StartedAt)));
            return Task.CompletedTask;
        }
        hub.Rewind(connection, from);
        connection.Send(AlertFrames.Resumed(cursor));
        return ReplayAsync(connection, hub, cancellationToken);
    }

    /// <summary>A replay that fails (the database is away) closes the connection: the client resumes again and loses nothing.</summary>
    private static async Task ReplayAsync(AlertConnection connection, AlertHub hub, CancellationToken cancellationToken)
    {
        try
        {
            await hub.CatchUpAsync(connection, cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            connection.Close(WebSocketCloseStatus.InternalServerError, "the replay could not be read; resume again from your last cursor");
        }
    }

    private static void Answer(AlertConnection connection, ClientOp op)
    {
        switch (op)
        {
            case ClientOp.Ping:
                connection.Send(AlertFrames.Pong);
                break;
            case ClientOp.Subscribe(var events, var filters):
                connection.Subscribe(events, filters);
                connection.Send(AlertFrames.Subscribed(events, filters));
                break;
            case ClientOp.Resume:
                connection.Send(AlertFrames.Error(
                    "resume must be the first op after the welcome, before any alert (or use the X-Resume-From header); reconnect to resume."));
                break;
            case ClientOp.Auth:
                connection.Send(AlertFrames.Error("This connection is already authenticated."));
                break;
            case ClientOp.Invalid(var message):
                connection.Send(AlertFrames.Error(message));
                break;
        }
    }

    private byte[] Welcome(AlertConnection connection, AlertPosition start)
    {
        connection.StartedAt = start;
        return AlertFrames.Welcome(connection.Id, connection.Events, AlertCursor.Format(hub.Epoch, start));
    }

    private static async Task Ended(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException
                                       or System.Threading.Channels.ChannelClosedException)
        {
            // The connection is over either way.
        }
    }
}
