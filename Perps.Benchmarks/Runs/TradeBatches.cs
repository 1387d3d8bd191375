using System.Globalization;
using System.Text;

namespace Perps.Benchmarks.Runs;

/// <summary>
/// Ingest request bodies: arrays of valid trades, each with an id of its own so its arrival can be timed. Every tenth
/// trade is large (<see cref="LargeSizeUsd"/>): a filter on size passes 10% of the feed (<see cref="IsLarge"/>).
/// </summary>
internal sealed class TradeBatches
{
    private static readonly string[] Types = ["trade.new", "trade.close", "trade.liquidation"];
    private readonly string _tag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
    private long _next;

    public const double LargeSizeUsd = 150000.5;

    /// <summary>Whether the trade with this id (one of the feed's) is one of the large tenth.</summary>
    public static bool IsLarge(string eventId) => long.Parse(eventId[(eventId.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture) % 10 == 0;

    public (byte[] Body, string[] EventIds) NextBatch(IReadOnlyList<string> wallets, int count)
    {
        var ids = new string[count];
        var json = new StringBuilder(count * 300).Append('[');
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _next);
            var id = ids[i] = $"evt_bench_{_tag}_{n}";
            var type = Types[n % Types.Length];
            var exit = type == "trade.new" ? "" : ",\"exitPrice\":190.1,\"pnlUsd\":412.35";
            json.Append(i == 0 ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"id\":\"{id}\",\"type\":\"{type}\",\"data\":{{\"owner\":\"{wallets[(int)(n % wallets.Count)]}\",")
                .Append(CultureInfo.InvariantCulture, $"\"marketSymbol\":\"SOL-PERP\",\"side\":\"long\",\"sizeUsd\":{(n % 10 == 0 ? LargeSizeUsd : 15000.5)},\"leverage\":5.2,\"entryPrice\":185.42,")
                .Append(CultureInfo.InvariantCulture, $"\"collateral\":2884.71,\"timestamp\":\"2025-01-15T10:30:00Z\"{exit}}}}}");
        }
        return (Encoding.UTF8.GetBytes(json.Append(']').ToString()), ids);
    }
}
