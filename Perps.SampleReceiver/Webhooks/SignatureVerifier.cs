using System.Security.Cryptography;
using System.Text;

namespace Perps.SampleReceiver.Webhooks;

/// <summary>Checks <c>X-Webhook-Signature</c> as the guide does: lowercase hex HMAC-SHA256 of the raw body,
/// keyed with the UTF-8 bytes of the whole secret string, compared in constant time.</summary>
internal static class SignatureVerifier
{
    public static bool IsValid(string secret, ReadOnlySpan<byte> body, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
        // Like Node's timingSafeEqual and Python's compare_digest: the time taken says nothing about where they differ.
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.UTF8.GetBytes(signature));
    }
}
