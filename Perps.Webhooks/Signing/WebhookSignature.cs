using System.Security.Cryptography;
using System.Text;

namespace Perps.Webhooks.Signing;

/// <summary>The two signatures every delivery carries.</summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>A new secret: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary><c>X-Webhook-Signature</c>: lowercase hex HMAC-SHA256 of the raw body, keyed with the UTF-8 bytes
    /// of the whole secret string, as the guide's Node.js and Python examples compute it.</summary>
    public static string Hex(string secret, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Standard Webhooks <c>webhook-signature</c>: <c>v1,</c> and the base64 HMAC-SHA256 of
    /// <c>{id}.{timestamp}.{body}</c>, keyed with the base64-decoded part of the secret after <c>whsec_</c>.</summary>
    public static string StandardV1(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, message));
    }
}
