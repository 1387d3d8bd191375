using System.Security.Cryptography;

namespace Perps.Webhooks.Secrets;

/// <summary>
/// One AES-256 key and its id: the first 4 bytes of SHA-256(key), written into every blob it seals, so a blob
/// names the key that opens it without the database holding anything that helps to find the key.
/// </summary>
internal sealed class SecretKey
{
    public const int Size = 32;
    public const int IdSize = 4;

    private SecretKey(byte[] bytes)
    {
        Bytes = bytes;
        Id = SHA256.HashData(bytes).AsSpan(0, IdSize).ToArray();
    }

    public byte[] Bytes { get; }

    public byte[] Id { get; }

    /// <summary>The key from its base64; the options validator has already refused anything but 32 bytes.</summary>
    public static SecretKey FromBase64(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A secrets key must be the base64 of exactly {Size} bytes.", nameof(base64));
        }
        return new SecretKey(bytes);
    }
}
