namespace Perps.Portal.Alerts;

public enum AlertStreamState
{
    Connecting,
    Live,
    Reconnecting,

    /// <summary>The API refused the key (revoked): nothing more will come.</summary>
    KeyRejected,
}
