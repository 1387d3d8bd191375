using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Perps.Webhooks.Secrets;

namespace Perps.Tests.Infrastructure;

/// <summary>Protectors for given keys, and blobs in the format sealed before key ids and associated data existed.</summary>
public static class SealedSecrets
{
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static SecretProtector Protector(string key, params string[] previousKeys) =>
        new(Options.Create(new SecretsOptions { Key = key, PreviousKeys = previousKeys }));

    /// <summary>The legacy format, written here from its description rather than by the service's code:
    /// AES-256-GCM, nonce (12) ‖ tag (16) ‖ ciphertext, no associated data.</summary>
    public static byte[] SealLegacy(string key, string secret, byte[]? nonce = null)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var blob = new byte[12 + 16 + plaintext.Length];
        if (nonce is null)
        {
            RandomNumberGenerator.Fill(blob.AsSpan(0, 12));
        }
        else
        {
            nonce.CopyTo(blob, 0);
        }
        using var aes = new AesGcm(Convert.FromBase64String(key), 16);
        aes.Encrypt(blob.AsSpan(0, 12), plaintext, blob.AsSpan(28), blob.AsSpan(12, 16));
        return blob;
    }

    /// <summary>The key id a versioned blob carries in bytes 4–7: the first 4 bytes of SHA-256(key).</summary>
    public static byte[] KeyId(string key) => SHA256.HashData(Convert.FromBase64String(key))[..4];
}
