namespace Perps.SampleReceiver;

/// <summary>Section <c>Receiver</c>: the webhook's secret, and where new trades are announced.</summary>
internal sealed class ReceiverOptions
{
    public const string Section = "Receiver";

    /// <summary>The <c>whsec_...</c> secret Perps gave when the webhook was created (or regenerated).</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>A Discord webhook URL; empty means the embed is only logged, which is enough to try the sample.</summary>
    public string? DiscordWebhookUrl { get; set; }

    /// <summary>Delivery ids remembered to drop duplicates; the oldest is forgotten beyond this (the guide keeps 10,000).</summary>
    public int RememberedDeliveries { get; set; } = 10_000;

    public bool IsValid() =>
        WebhookSecret.Length > 0
        && RememberedDeliveries > 0
        && (string.IsNullOrEmpty(DiscordWebhookUrl)
            || Uri.TryCreate(DiscordWebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https");
}
