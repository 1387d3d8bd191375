using System.Diagnostics;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// A bot whose host vanished never closes its socket: the server's pings (every 15 s, 15 s to answer) find it dead
/// and close it, so it stops holding one of its key's five connections.
/// </summary>
public sealed class AlertKeepAliveTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task AConnectionThatAnswersNoPingIsDroppedWithinAboutThirtySecondsAndFreesItsSlot()
    {
        using var user = await fixture.CreateUserAsync();
        await using var silent = await SilentAlertClient.ConnectAsync(fixture.App, user.Key);
        var connected = Stopwatch.StartNew();

        var pings = await silent.ReadUntilDroppedAsync(TimeSpan.FromSeconds(75));

        Assert.InRange(connected.Elapsed, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60));
        Assert.True(pings > 0, "the server dropped the connection without pinging it first");
        var open = new List<AlertSocket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add((await AlertSocket.OpenAsync(fixture.App, user.Key)).Socket);
            }
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }
}
