using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Perps.Webhooks.Secrets;

/// <summary>
/// Seals webhook secrets with AES-256-GCM under keys kept outside the database. A blob is
/// <c>"PSK" ‖ version 0x01 ‖ key id (4) ‖ nonce (12) ‖ tag (16) ‖ ciphertext</c>, and its associated data is the
/// 8-byte header and the webhook id: a blob opens only for the webhook it was sealed for (one copied onto another
/// row by someone with write access to the database fails), and only under the key it names. <c>Secrets:Key</c>
/// seals; it and <c>Secrets:PreviousKeys</c> open, so keys rotate without breaking stored secrets.
/// </summary>
public sealed class SecretProtector
{
    public const int HeaderSize = 8;
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "PSK"u8.ToArray();

    private readonly SecretKey _current;
    private readonly SecretKey[] _keys; // the current key first, then the previous ones

    public SecretProtector(IOptions<SecretsOptions> options)
    {
        _current = SecretKey.FromBase64(options.Value.Key);
        _keys = [_current, .. options.Value.PreviousKeys.Select(SecretKey.FromBase64)];
        CurrentHeader = Header(_current);
    }

    /// <summary>How every blob sealed under the current key begins: a row that begins otherwise needs re-sealing.</summary>
    public byte[] CurrentHeader { get; }

    public byte[] Seal(string secret, string webhookId)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var blob = new byte[HeaderSize + NonceSize + TagSize + plaintext.Length];
        CurrentHeader.CopyTo(blob, 0);
        var nonce = blob.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current.Bytes, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(HeaderSize + NonceSize + TagSize), blob.AsSpan(HeaderSize + NonceSize, TagSize),
            AssociatedData(blob, webhookId));
        return blob;
    }

    /// <summary>The secret of <paramref name="webhookId"/>; throws <see cref="CryptographicException"/> when the blob was
    /// sealed for another webhook, under a key that is not configured, or altered.</summary>
    public string Open(byte[] blob, string webhookId) =>
        TryOpen(blob, webhookId, out var secret)
            ? secret
            : throw new CryptographicException(
                $"The secret of webhook {webhookId} does not open: it was sealed for another webhook or under a key that is neither Secrets:Key nor in Secrets:PreviousKeys, or it was altered.");

    public bool TryOpen(byte[] blob, string webhookId, out string secret)
    {
        if (IsVersioned(blob))
        {
            var keyId = blob.AsSpan(Magic.Length + 1, SecretKey.IdSize);
            foreach (var key in _keys)
            {
                if (keyId.SequenceEqual(key.Id)
                    && TryDecrypt(key, blob.AsSpan(HeaderSize), AssociatedData(blob, webhookId), out secret))
                {
                    return true;
                }
            }
        }
        // Blobs sealed before the versioned format: nonce ‖ tag ‖ ciphertext, no associated data. A legacy blob may
        // begin with the header bytes by chance (its nonce is random), so it is tried whenever the above did not open.
        foreach (var key in _keys)
        {
            if (TryDecrypt(key, blob, [], out secret))
            {
                return true;
            }
        }
        secret = "";
        return false;
    }

    /// <summary>False for a blob in the legacy format or sealed under a previous key: one for the re-seal to rewrite.</summary>
    public bool IsSealedUnderCurrentKey(byte[] blob) => blob.AsSpan().StartsWith(CurrentHeader);

    private static bool IsVersioned(byte[] blob) =>
        blob.Length >= HeaderSize + NonceSize + TagSize && blob.AsSpan().StartsWith(Magic) && blob[Magic.Length] == Version;

    private static bool TryDecrypt(SecretKey key, ReadOnlySpan<byte> sealedPart, ReadOnlySpan<byte> associatedData, out string secret)
    {
        secret = "";
        if (sealedPart.Length < NonceSize + TagSize)
        {
            return false;
        }
        var plaintext = new byte[sealedPart.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key.Bytes, TagSize);
        try
        {
            aes.Decrypt(sealedPart[..NonceSize], sealedPart[(NonceSize + TagSize)..], sealedPart.Slice(NonceSize, TagSize),
                plaintext, associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        secret = Encoding.UTF8.GetString(plaintext);
        return true;
    }

    private static byte[] Header(SecretKey key) => [.. Magic, Version, .. key.Id];

    private static byte[] AssociatedData(byte[] blob, string webhookId) =>
        [.. blob.AsSpan(0, HeaderSize), .. Encoding.UTF8.GetBytes(webhookId)];
}
