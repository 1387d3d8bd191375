using System.Numerics;
using System.Security.Cryptography;

namespace Perps.Benchmarks.Setup;

/// <summary>Fresh Solana addresses (base58 of 32 random bytes), the kind the API accepts.</summary>
internal static class Addresses
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] |= 1; // no leading zero byte, so no leading '1'
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        Span<char> chars = stackalloc char[44];
        var at = chars.Length;
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var digit);
            chars[--at] = Alphabet[(int)digit];
        }
        return new string(chars[at..]);
    }
}
