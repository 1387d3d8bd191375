using System.Security.Cryptography;

namespace Perps.Tests.Infrastructure;

/// <summary>Fresh, valid Solana addresses (base58 of 32 random bytes), so tests never share a wallet by accident.</summary>
public static class Wallets
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static string NewAddress()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        bytes[0] |= 1; // no leading zero bytes, so the address has no leading '1's
        var value = new System.Numerics.BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var chars = new List<char>();
        while (value > 0)
        {
            chars.Add(Alphabet[(int)(value % 58)]);
            value /= 58;
        }
        chars.Reverse();
        return new string(chars.ToArray());
    }
}
