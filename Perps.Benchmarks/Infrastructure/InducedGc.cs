using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// A full, compacting GC in another .NET process, asked for through its diagnostics port as <c>dotnet-gcdump</c>
/// does (an EventPipe session with the runtime's GCHeapCollect keyword). Without it a memory sample after load reads
/// the heap the load grew, whose free space then absorbs whatever is measured next.
/// </summary>
internal static class InducedGc
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;
    private static readonly TimeSpan SessionLength = TimeSpan.FromSeconds(1);

    /// <summary>True when the process took the request (a process that is not .NET, or has gone, does not).</summary>
    public static async Task<bool> CollectAsync(AppProcess process, CancellationToken ct)
    {
        try
        {
            var client = new DiagnosticsClient(process.Pid);
            using var session = await client.StartEventPipeSessionAsync(
                [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword)],
                requestRundown: false, circularBufferMB: 16, ct);
            var drain = session.EventStream.CopyToAsync(Stream.Null, ct); // the runtime writes the GC's events here
            await Task.Delay(SessionLength, ct);
            await session.StopAsync(ct);
            await drain;
            return true;
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or ServerErrorException or IOException or TimeoutException)
        {
            return false;
        }
    }
}
