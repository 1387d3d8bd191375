using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Perps.SampleReceiver.Webhooks;

/// <summary>What the Standard Webhooks check found.</summary>
internal enum StandardSignatureResult
{
    Valid,
    MissingHeaders,
    TimestampOutsideTolerance,
    NoMatchingSignature,
}

/// <summary>
/// Checks the Standard Webhooks headers Perps sends with every delivery: <c>webhook-signature</c> holds
/// <c>v1,</c> + base64 HMAC-SHA256 of <c>{webhook-id}.{webhook-timestamp}.{body}</c>, keyed with the base64-decoded
/// part of the secret after <c>whsec_</c>. Unlike the guide's <c>X-Webhook-Signature</c> (the body alone), it signs the
/// id and the time: a captured request cannot be replayed outside the tolerance, nor under another id.
/// </summary>
internal static class StandardSignatureVerifier
{
    public const string SecretPrefix = "whsec_";

    public static StandardSignatureResult Verify(string secret, string? id, string? timestamp, ReadOnlySpan<byte> body,
        string? signatures, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signatures))
        {
            return StandardSignatureResult.MissingHeaders;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return StandardSignatureResult.TimestampOutsideTolerance;
        }

        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var message = new byte[signed.Length + body.Length];
        signed.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(signed.Length));
        var expected = HMACSHA256.HashData(KeyOf(secret), message);

        // Space-separated "version,signature" pairs: more than one while the sender rotates secrets.
        foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',');
            if (comma < 0 || entry[..comma] != "v1")
            {
                continue;
            }
            var candidate = new byte[HMACSHA256.HashSizeInBytes];
            if (Convert.TryFromBase64String(entry[(comma + 1)..], candidate, out var length)
                && length == candidate.Length
                && CryptographicOperations.FixedTimeEquals(candidate, expected))
            {
                return StandardSignatureResult.Valid;
            }
        }
        return StandardSignatureResult.NoMatchingSignature;
    }

    /// <summary>The key is the secret's base64 part, decoded; the options refuse a secret without one.</summary>
    public static byte[] KeyOf(string secret) => Convert.FromBase64String(secret[SecretPrefix.Length..]);

    public static bool IsWellFormed(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var base64 = secret[SecretPrefix.Length..];
        return base64.Length > 0 && Convert.TryFromBase64String(base64, new byte[base64.Length], out _);
    }
}
