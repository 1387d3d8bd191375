using System.Collections.Concurrent;

namespace Perps.Webhooks.Secrets;

/// <summary>
/// The signing secrets the sender has opened, kept so that an endpoint's secret is opened (AES-GCM, through a new
/// cipher context) once, not on every attempt. An entry answers only for the very sealed bytes it was opened from,
/// so a rotated secret, a re-sealed row or another webhook's blob is opened afresh; one that does not open is never
/// kept. At most <see cref="MaxKept"/> are kept: past that the cache starts over.
/// </summary>
public sealed class OpenedSecrets(SecretProtector protector)
{
    public const int MaxKept = 10_000;

    private readonly ConcurrentDictionary<(string WebhookId, bool Previous), Opened> _kept = new();

    /// <summary>The current secret of <paramref name="webhookId"/>; throws as <see cref="SecretProtector.Open"/> does.</summary>
    public string Open(byte[] sealedSecret, string webhookId) =>
        TryOpen(sealedSecret, webhookId, previous: false, out var secret)
            ? secret
            : protector.Open(sealedSecret, webhookId); // throws the protector's own explanation

    /// <summary>The secret a rotation replaced, while its grace period runs; false when it no longer opens.</summary>
    public bool TryOpenPrevious(byte[] sealedSecret, string webhookId, out string secret) =>
        TryOpen(sealedSecret, webhookId, previous: true, out secret);

    private bool TryOpen(byte[] sealedSecret, string webhookId, bool previous, out string secret)
    {
        var key = (webhookId, previous);
        if (_kept.TryGetValue(key, out var opened) && opened.Sealed.AsSpan().SequenceEqual(sealedSecret))
        {
            secret = opened.Secret;
            return true;
        }
        if (!protector.TryOpen(sealedSecret, webhookId, out secret))
        {
            return false;
        }
        if (_kept.Count >= MaxKept)
        {
            _kept.Clear();
        }
        _kept[key] = new Opened(sealedSecret.ToArray(), secret);
        return true;
    }

    private sealed record Opened(byte[] Sealed, string Secret);
}
