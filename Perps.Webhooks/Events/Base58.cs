namespace Perps.Webhooks.Events;

/// <summary>Validates Solana addresses: Bitcoin-alphabet base58 that decodes to exactly 32 bytes.</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    public static bool IsSolanaAddress(string? value) =>
        value is { Length: >= 32 and <= 44 } && TryDecodedLength(value, out var length) && length == 32;

    private static bool TryDecodedLength(string value, out int length)
    {
        length = 0;
        var bytes = new List<byte>(33);
        foreach (var c in value)
        {
            var carry = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (carry < 0)
            {
                return false;
            }
            for (var i = 0; i < bytes.Count; i++)
            {
                carry += bytes[i] * 58;
                bytes[i] = (byte)(carry & 0xff);
                carry >>= 8;
            }
            while (carry > 0)
            {
                bytes.Add((byte)(carry & 0xff));
                carry >>= 8;
            }
        }
        var leadingOnes = value.TakeWhile(c => c == '1').Count(); // each leading '1' is a zero byte
        length = leadingOnes + bytes.Count;
        return true;
    }
}
