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

    /// <summary>How far <c>webhook-timestamp</c> may be from now, either way: older requests are refused as replays
    /// (Standard Webhooks recommends 5 minutes; Perps signs each attempt afresh, so a retry is always recent).</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsValid() =>
        Webhooks.StandardSignatureVerifier.IsWellFormed(WebhookSecret)
        && RememberedDeliveries > 0
        && TimestampTolerance > TimeSpan.Zero
        && (string.IsNullOrEmpty(DiscordWebhookUrl)
            || Uri.TryCreate(DiscordWebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https");
}
