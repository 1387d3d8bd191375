namespace Perps.Api.Alerts;

/// <summary>
/// Wakes this replica's <see cref="AlertHub"/>: ingestion here says events were stored (in memory, no I/O on the
/// request path), another replica says so through Redis, or a connection arrives. Wakes that come while the hub is
/// busy fold into one.
/// </summary>
internal sealed class AlertSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _storedHere;

    /// <summary>Ingestion on this replica stored events.</summary>
    public void EventsStored()
    {
        Volatile.Write(ref _storedHere, 1);
        Wake();
    }

    public void Wake()
    {
        if (_wake.CurrentCount > 0)
        {
            return; // a wake is pending already: the hub reads everything new when it runs (and no exception per ingest)
        }
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another thread woke it between the look and the release.
        }
    }

    /// <summary>Waits for a wake or the timeout; true when woken.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    /// <summary>Whether events were stored here since the last call: the hub then tells the other replicas.</summary>
    public bool TakeStoredHere() => Interlocked.Exchange(ref _storedHere, 0) == 1;
}
