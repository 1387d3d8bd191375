using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Perps.Api.Auth;

/// <summary>API keys are shown once and stored only as their SHA-256 hash (they are 256-bit random, so no salt or stretching is needed).</summary>
public static class ApiKeys
{
    private const string Prefix = "pk_";

    public static string NewKey() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
