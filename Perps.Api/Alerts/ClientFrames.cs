using System.Net.WebSockets;

namespace Perps.Api.Alerts;

/// <summary>What one read of a client's socket gave: a whole text frame (its length), or why there is none.</summary>
internal abstract record ClientFrame
{
    public sealed record Text(int Length) : ClientFrame;
    public sealed record Binary : ClientFrame;
    public sealed record TooBig : ClientFrame;
    public sealed record Closed : ClientFrame;
}

internal static class ClientFrames
{
    /// <summary>
    /// Reads one whole message into <paramref name="buffer"/>; a message longer than the buffer is
    /// <see cref="ClientFrame.TooBig"/> as soon as its first extra byte arrives, so nothing larger is ever held.
    /// </summary>
    public static async Task<ClientFrame> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        var overflow = new byte[1];
        while (true)
        {
            var room = length < buffer.Length ? buffer.AsMemory(length) : overflow.AsMemory();
            var result = await socket.ReceiveAsync(room, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new ClientFrame.Closed();
            }
            if (length == buffer.Length && result.Count > 0)
            {
                return new ClientFrame.TooBig();
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return result.MessageType == WebSocketMessageType.Binary ? new ClientFrame.Binary() : new ClientFrame.Text(length);
            }
        }
    }
}
