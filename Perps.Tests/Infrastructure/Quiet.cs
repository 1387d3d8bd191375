namespace Perps.Tests.Infrastructure;

/// <summary>
/// How a test shows that something did not happen: it waits this long, then looks. A delivery that was going to be
/// made arrives well within it (they take milliseconds here), so nothing by then means none is coming.
/// </summary>
public static class Quiet
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1.5);

    public static Task WaitAsync(CancellationToken cancellationToken) => Task.Delay(Period, cancellationToken);
}
