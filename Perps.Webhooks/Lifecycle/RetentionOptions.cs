namespace Perps.Webhooks.Lifecycle;

/// <summary>How long the delivery history and the events are kept (section <c>Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Events, deliveries and attempts older than this are removed.</summary>
    public TimeSpan Age { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often a dispatcher looks for what has aged out (it then removes it batch after batch).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows one short transaction removes: no long locks, no pause in deliveries.</summary>
    public int BatchSize { get; set; } = 2000;
}
