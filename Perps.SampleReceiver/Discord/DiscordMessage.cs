using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Perps.SampleReceiver.Webhooks;

namespace Perps.SampleReceiver.Discord;

/// <summary>A Discord webhook message: here one embed per new trade, as the guide's <c>sendDiscordNotification</c> builds it.</summary>
internal sealed record DiscordMessage(IReadOnlyList<DiscordEmbed> Embeds)
{
    public const int LongColor = 0x10b981;
    public const int ShortColor = 0xef4444;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>"🟢 LONG SOL-PERP", green (red and 🔴 for a short), with Size "$15,000.5", Leverage "5.2x",
    /// Entry "$185.42" and Trader "`DRVRvzf8...`": what the guide's JavaScript prints for the same trade.</summary>
    public static DiscordMessage ForNewTrade(Trade trade)
    {
        var isLong = trade.Side == "long";
        return new([new DiscordEmbed(
            Title: $"{(isLong ? "🟢" : "🔴")} {trade.Side.ToUpperInvariant()} {trade.MarketSymbol}",
            Color: isLong ? LongColor : ShortColor,
            Fields:
            [
                new("Size", "$" + trade.SizeUsd.ToString("#,##0.###", CultureInfo.InvariantCulture), Inline: true), // toLocaleString()
                new("Leverage", Number(trade.Leverage) + "x", Inline: true),
                new("Entry", "$" + Number(trade.EntryPrice), Inline: true),
                new("Trader", $"`{trade.Owner[..Math.Min(8, trade.Owner.Length)]}...`"),
            ],
            Timestamp: trade.Timestamp)]);
    }

    /// <summary>The shortest digits that read back as the same number, as JavaScript prints a number.</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

internal sealed record DiscordEmbed(string Title, int Color, IReadOnlyList<DiscordField> Fields, string Timestamp);

internal sealed record DiscordField(string Name, string Value, bool? Inline = null);
