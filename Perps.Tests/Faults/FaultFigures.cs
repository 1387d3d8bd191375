using System.Globalization;

namespace Perps.Tests.Faults;

/// <summary>
/// Reports a fault test's figures to the test output and appends them, one line per test, to
/// <c>fault-figures.txt</c> next to the test assembly, where the README's reliability table is copied from.
/// </summary>
public static class FaultFigures
{
    public static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "fault-figures.txt");

    private static readonly Lock FileLock = new();

    public static void Report(string test, DeliveryTally tally, TimeSpan drain, TimeSpan settled, string? note = null)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{test}: events={tally.Events} expected={tally.Expected} delivered={tally.Delivered} lost={tally.Lost} " +
            $"duplicates={tally.Duplicates} requests={tally.Requests} drain={drain.TotalSeconds:0.0}s settled={settled.TotalSeconds:0.0}s{(note is null ? "" : $" ({note})")}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (FileLock)
        {
            File.AppendAllText(FilePath, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z {line}{Environment.NewLine}");
        }
    }
}
