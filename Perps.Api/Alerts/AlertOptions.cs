namespace Perps.Api.Alerts;

/// <summary>The <c>Alerts</c> settings: the WebSocket channel's limits, replay window and timings.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>A client frame larger than this closes the connection (1009): every op fits in a few hundred bytes.</summary>
    public const int MaxClientFrameBytes = 4096;

    /// <summary>Open connections one API key may hold across every API replica.</summary>
    public int MaxConnectionsPerKey { get; set; } = 5;

    /// <summary>Frames waiting for one connection; a client that lets them pile up past this is closed (1013) and resumes.</summary>
    public int SendQueueLimit { get; set; } = 4096;

    /// <summary>How long a connection without the <c>X-API-Key</c> header has to send its <c>auth</c> frame.</summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long live alerts wait after the welcome for a <c>resume</c> op, so a resume is never overtaken.</summary>
    public TimeSpan ResumeGrace { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A connection whose pong is this late after a ping is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A resume cursor younger than this is always served…</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>…and so is one with fewer events than this after it.</summary>
    public long ReplayEvents { get; set; } = 1_000_000;

    /// <summary>How often a replica looks for new events when nothing woke it (events ingested by another replica while Redis is down).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    public bool IsValid() =>
        MaxConnectionsPerKey > 0 && SendQueueLimit > 0 && ReplayEvents >= 0
        && AuthTimeout > TimeSpan.Zero && ResumeGrace >= TimeSpan.Zero && KeepAliveInterval > TimeSpan.Zero
        && KeepAliveTimeout > TimeSpan.Zero && ReplayWindow >= TimeSpan.Zero && PollInterval > TimeSpan.Zero;
}
