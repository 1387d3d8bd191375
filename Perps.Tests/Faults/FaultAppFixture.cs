using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// One fault app and receiver for the faults made under load. Each test owns its users and webhooks and waits until
/// nothing is pending before it ends, so the next one starts clean; it also starts on an app that has already
/// survived the previous faults, which is part of the point.
/// </summary>
public sealed class FaultAppFixture : IAsyncLifetime
{
    private FaultApp? _app;

    public FaultApp App => _app ?? throw new InvalidOperationException("The fault app has not started.");

    public TestReceiver Receiver { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Receiver.StartAsync();
        _app = await FaultApp.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await Receiver.DisposeAsync();
    }
}
