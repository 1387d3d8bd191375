using System.Net.Sockets;
using System.Text;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Security;

/// <summary>
/// The hostile receiver itself, read with a raw socket: it sends exactly its scripted bytes (so a failure of
/// <see cref="HostileReceiverTests"/> is the product's, not the test server's) and records what it was sent.
/// </summary>
public sealed class HostileReceiverScriptTests
{
    private static readonly TimeSpan ReadFor = TimeSpan.FromSeconds(1.5);

    public static TheoryData<HostileReply> Replies => [.. Enum.GetValues<HostileReply>()];

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task EachReplySendsItsScriptedBytesAndTheRequestIsRecorded(HostileReply reply)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hostile = new HostileReceiver().Start();
        var url = new Uri(hostile.NewEndpoint(reply));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port, ct);
        var stream = tcp.GetStream();
        var body = """{"hello":"hostile"}""";

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {url.AbsolutePath} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}"), ct);
        var (received, end) = await ReadAsync(stream, 64 * 1024, ct);

        var head = HostileReceiver.Head(reply);
        switch (reply)
        {
            case HostileReply.SlowHeaders:
                Assert.InRange(received.Length, 1, 3); // one byte a second
                Assert.Equal(head.Take(received.Length), received);
                break;
            case HostileReply.ResetAfterStatusLine:
                Assert.Equal(head, received);
                Assert.Equal("reset", end);
                break;
            case HostileReply.EndlessChunkedBody or HostileReply.EndlessBodyOfAnError or HostileReply.HugeHeaderBlock:
                Assert.Equal(64 * 1024, received.Length); // still coming when we stopped reading
                Assert.Equal(head, received.Take(head.Length));
                break;
            default:
                Assert.Equal(head, received);
                Assert.Equal("closed", end);
                break;
        }
        var request = Assert.Single(hostile.Received(url.ToString()));
        Assert.Equal(body, request.BodyText);
        Assert.Equal("application/json", request.Header("Content-Type"));
    }

    /// <summary>Reads until <paramref name="limit"/> bytes, the end of the connection, or <see cref="ReadFor"/>.</summary>
    private static async Task<(byte[] Bytes, string End)> ReadAsync(NetworkStream stream, int limit, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ReadFor);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            while (received.Length < limit)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - received.Length)), deadline.Token);
                if (read == 0)
                {
                    return (received.ToArray(), "closed");
                }
                received.Write(buffer, 0, read);
            }
            return (received.ToArray(), "limit");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (received.ToArray(), "open");
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return (received.ToArray(), "reset");
        }
    }
}
