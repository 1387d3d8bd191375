using System.Text;
using Perps.Tests.Infrastructure;
using Perps.Webhooks;
using Perps.Webhooks.Events;

namespace Perps.Tests.Events;

/// <summary>
/// The body is signed as bytes and a receiver may re-serialize what it parsed (the guide's Node.js example), so every
/// number and string must come out exactly as JavaScript's JSON.stringify writes it. Checked against real Node.js.
/// </summary>
public sealed class JsJsonTests
{
    /// <summary>Edge cases by hand: zeros, integers around 2^53, the plain/exponent thresholds (1e21, 1e-7), the
    /// extremes of the double range, and decimals whose shortest form is long.</summary>
    private static readonly double[] EdgeNumbers =
    [
        0, -0.0, 1, -1, 7, 100, 1234567, 15000.5, 5.2, 185.42, 2884.71, -120.25,
        0.1, 0.2, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, -1.0 / 3, 4.35, 1234.5678, 0.000123,
        9007199254740991, 9007199254740992, 9007199254740994, -9007199254740993,
        1e15, 1e16, 1e17, 123456789012345680000.0, 99999999999999990000.0,
        1e20, 1e21, Math.BitDecrement(1e21), Math.BitIncrement(1e21), 1.5e21, 1e22, 1.2345e25, -1e21,
        1e-6, 0.000001, 0.0000015, Math.BitDecrement(1e-6), 1e-7, 1.5e-7, Math.BitIncrement(1e-7), 9.999999999999999e-7, 123e-20, -1e-7,
        5e-324, double.Epsilon, 2.2250738585072014e-308, 2.225073858507201e-308,
        double.MaxValue, -double.MaxValue, 1.7976931348623157e308, 4.9406564584124654e-324,
        0.30000000000000004, 1.0000000000000002, 0.9999999999999999, 3.141592653589793, 2.718281828459045,
        123456.789e3, 1e100, 1.7e-100, 8.41e21, 5.0e-7, 2.5e-7,
    ];

    private static readonly string[] EdgeStrings =
    [
        "", "plain", "SOL-PERP", "\"quoted\"", "back\\slash", "/slash/", "<script>&amp;'x'</script>",
        "\b\f\n\r\t", "\u007f", "\u0080", "\u00a0", "\u2028\u2029", "\ufeff", "\uffff", "ÉTH-PERP", "日本語", "🚀", "a🚀b",
        "\ud800", "\udc00", "\udbff", "\udfff", "a\ud83d", "\ude80b", "\udc00\ud800", "\ud83d\ud83d\ude80", "\ud83d\ude80\ude80",
        string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c)),
    ];

    [Fact]
    public async Task NumbersAreWrittenAsJsonStringifyWritesThem()
    {
        var random = new Random(20250115);
        var numbers = EdgeNumbers
            .Concat(Enumerable.Range(0, 2000).Select(_ => RandomFiniteDouble(random)))
            .Concat(Enumerable.Range(0, 2000).Select(_ => Math.Round(random.NextDouble() * Math.Pow(10, random.Next(-8, 12)), random.Next(0, 10))))
            .ToArray();

        var (expected, _, _) = await NodeJson.StringifyAsync(numbers, [], []);

        var mismatches = numbers.Select((n, i) => (Value: n, Node: expected[i], Ours: Number(n)))
            .Where(m => m.Node != m.Ours).ToList();
        Assert.True(mismatches.Count == 0, "differs from JSON.stringify: " + string.Join("; ",
            mismatches.Take(10).Select(m => $"{BitConverter.DoubleToUInt64Bits(m.Value):x16}: node {m.Node}, ours {m.Ours}")));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteNumbersAreRefused(double value)
    {
        // JSON.stringify writes null for them: a trade with a null size is no trade, so they never get this far.
        Assert.Throws<ArgumentOutOfRangeException>(() => JsJson.WriteNumber(new StringBuilder(), value));
    }

    [Fact]
    public async Task StringsAreEscapedAsJsonStringifyEscapesThem()
    {
        var random = new Random(20250116);
        var strings = EdgeStrings
            .Concat(Enumerable.Range(0, 0x80).Select(c => $"x{(char)c}y"))
            .Concat(Enumerable.Range(0, 500).Select(_ => RandomString(random)))
            .ToArray();

        var (_, expected, _) = await NodeJson.StringifyAsync([], strings, []);

        var mismatches = strings.Select((s, i) => (Units: string.Join(" ", s.Select(c => ((int)c).ToString("x4"))), Node: expected[i], Ours: String(s)))
            .Where(m => m.Node != m.Ours).ToList();
        Assert.True(mismatches.Count == 0, "differs from JSON.stringify: " + string.Join("; ",
            mismatches.Take(10).Select(m => $"[{m.Units}]: node {m.Node}, ours {m.Ours}")));
    }

    [Theory]
    [InlineData("\"", "\"\\\"\"")]
    [InlineData("\\", "\"\\\\\"")]
    [InlineData("\n\t", "\"\\n\\t\"")]
    [InlineData("\u0000\u001f", "\"\\u0000\\u001f\"")]
    [InlineData("\u2028\u2029", "\"\u2028\u2029\"")]
    [InlineData("<>&'/", "\"<>&'/\"")]
    [InlineData("🚀", "\"🚀\"")]
    public void StringEscapesAreTheShortOnesLowercaseHexOrNone(string value, string expected)
    {
        Assert.Equal(expected, String(value));
    }

    [Fact]
    public void LoneSurrogatesAreEscapedAndPairsAreNot()
    {
        // Not as InlineData: a lone surrogate does not survive the test case's serialization.
        Assert.Equal("\"\\ud800x\\udc00\"", String("\ud800x\udc00"));
        Assert.Equal("\"\\ude80\\ud83d\"", String("\ude80\ud83d"));
        Assert.Equal("\"\ud83d\ude80\"", String("\ud83d\ude80"));
    }

    [Theory]
    [InlineData(-0.0, "0")]
    [InlineData(1e21, "1e+21")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    public void NumberFormsAtTheThresholds(double value, string expected)
    {
        Assert.Equal(expected, Number(value));
    }

    [Fact]
    public async Task EventBodiesSurviveJsonParseAndStringifyByteForByte()
    {
        var random = new Random(20250117);
        var bodies = new List<string>();
        foreach (var type in new[] { EventTypes.TradeNew, EventTypes.TradeClose, EventTypes.TradeLiquidation })
        {
            var sample = SampleEvents.For(type);
            bodies.Add(EventBody.Create(Ids.New(Ids.Event), type, 1736937000, sample));
            for (var i = 0; i < 100; i++)
            {
                bodies.Add(EventBody.Create(Ids.New(Ids.Event), type, 1736937000 + i, sample with
                {
                    MarketSymbol = RandomString(random),
                    SizeUsd = RandomFiniteDouble(random),
                    Leverage = EdgeNumbers[random.Next(EdgeNumbers.Length)],
                    EntryPrice = Math.Round(random.NextDouble() * 1000, random.Next(0, 9)),
                    Collateral = -RandomFiniteDouble(random),
                    ExitPrice = sample.ExitPrice is null ? null : RandomFiniteDouble(random),
                }));
            }
        }

        var (_, _, roundTrips) = await NodeJson.StringifyAsync([], [], bodies);

        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.Equal(bodies[i], roundTrips[i]);
        }
    }

    private static string Number(double value)
    {
        var sb = new StringBuilder();
        JsJson.WriteNumber(sb, value);
        return sb.ToString();
    }

    private static string String(string value)
    {
        var sb = new StringBuilder();
        JsJson.WriteString(sb, value);
        return sb.ToString();
    }

    private static double RandomFiniteDouble(Random random)
    {
        while (true)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (double.IsFinite(value))
            {
                return value;
            }
        }
    }

    /// <summary>Up to 12 UTF-16 code units drawn from the kinds that matter: ASCII (controls included), Latin-1, the
    /// line separators, BMP letters, and surrogate halves alone, in pairs and reversed.</summary>
    private static string RandomString(Random random)
    {
        char[] pool = ['a', '"', '\\', '/', '<', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\u2029', '中', '\ud83d', '\ude80', '\ud800', '\udfff'];
        var units = new char[random.Next(0, 13)];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = random.Next(3) == 0 ? (char)random.Next(0, 0x10000) : pool[random.Next(pool.Length)];
        }
        return new string(units);
    }
}
