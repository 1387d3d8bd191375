using System.Globalization;
using System.Text;

namespace Perps.Webhooks.Events;

/// <summary>
/// Writes JSON exactly as JavaScript's <c>JSON.stringify</c> does, so a receiver that re-serializes the parsed body
/// (the Node.js example of the public guide) gets back the very bytes that were signed.
/// </summary>
public static class JsJson
{
    /// <summary>A string literal with JSON.stringify's escapes: the short escapes, \u00xx for other control
    /// characters and lone surrogates, everything else (non-ASCII, U+2028, &lt;&gt;&amp;') as is.</summary>
    public static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || IsLoneSurrogate(value, i))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                        if (char.IsHighSurrogate(c))
                        {
                            sb.Append(value[++i]); // the pair's low half, checked by IsLoneSurrogate
                        }
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>
    /// A finite number as JavaScript's Number::toString writes it: the shortest digits that round-trip,
    /// plain notation for exponents from -7 to 20, else <c>1.5e+21</c> / <c>5e-324</c>; -0 is "0".
    /// </summary>
    public static void WriteNumber(StringBuilder sb, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "JSON has no representation for NaN or Infinity.");
        }
        if (value == 0)
        {
            sb.Append('0');
            return;
        }
        if (value < 0)
        {
            sb.Append('-');
            value = -value;
        }

        // "R" gives the shortest round-trip digits; take them apart into digits × 10^(n-k) as ECMA-262 does.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var (digits, n) = Decompose(shortest);
        var k = digits.Length;

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }
            var exponent = n - 1;
            sb.Append('e').Append(exponent >= 0 ? '+' : '-').Append(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Splits .NET's shortest form ("1.2345E-07", "15000.5", "1E+21") into significant digits and
    /// the position n of the decimal point relative to them (value = 0.digits × 10^n).</summary>
    private static (string Digits, int N) Decompose(string shortest)
    {
        var exponent = 0;
        var e = shortest.IndexOfAny(['E', 'e']);
        var mantissa = shortest;
        if (e >= 0)
        {
            exponent = int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = shortest[..e];
        }

        var dot = mantissa.IndexOf('.');
        var integerPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fraction = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = integerPart + fraction;
        var n = integerPart.Length + exponent;

        var leadingZeros = 0;
        while (leadingZeros < all.Length - 1 && all[leadingZeros] == '0')
        {
            leadingZeros++;
        }
        var digits = all[leadingZeros..].TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, n - leadingZeros);
    }

    private static bool IsLoneSurrogate(string value, int i)
    {
        var c = value[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]);
        }
        return char.IsLowSurrogate(c); // a low half reached here had no high half before it
    }
}
