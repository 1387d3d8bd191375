using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Perps.Tests.Infrastructure;

/// <summary>An independent verifier, written from the public guide and the Standard Webhooks spec, not from the service's code.</summary>
public static class Signatures
{
    /// <summary>The guide's Python example: HMAC-SHA256 over the raw body, keyed with the secret string's UTF-8 bytes.</summary>
    public static bool VerifiesRaw(ReceivedRequest request, string secret) =>
        FixedTimeHexEquals(request.Header("X-Webhook-Signature"), Hex(secret, request.Body));

    /// <summary>Standard Webhooks: v1,base64(HMAC(base64decode(secret sans whsec_), "id.timestamp.body")).</summary>
    public static bool VerifiesStandard(ReceivedRequest request, string secret)
    {
        var id = request.Header("webhook-id");
        var timestamp = request.Header("webhook-timestamp");
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(request.Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        return request.Header("webhook-signature").Split(' ').Contains(expected);
    }

    public static string Hex(string secret, byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static bool FixedTimeHexEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    public static JsonObject Parse(ReceivedRequest request) => JsonNode.Parse(request.Body)!.AsObject();
}
