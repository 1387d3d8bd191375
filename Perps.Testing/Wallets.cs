using System.Numerics;
using System.Security.Cryptography;

namespace Perps.Testing;

/// <summary>Fresh, valid Solana addresses (base58 of 32 random bytes), so no two users ever share a wallet by accident.</summary>
public static class Wallets
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string NewAddress()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] |= 1; // no leading zero byte, so no leading '1'
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        Span<char> chars = stackalloc char[44]; // 58^44 > 2^256
        var at = chars.Length;
        while (value > 0)
        {
            value = BigInteger.DivRem(value, 58, out var digit);
            chars[--at] = Alphabet[(int)digit];
        }
        return new string(chars[at..]);
    }
}
