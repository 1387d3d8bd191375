using System.Globalization;
using System.Text;

namespace Perps.Webhooks.Events;

/// <summary>
/// The request body every endpoint receives, built once at ingestion and sent byte for byte:
/// <c>{"id","type","created","data":{…}}</c>, compact, in this key order, equal to
/// <c>JSON.stringify(JSON.parse(body))</c>.
/// </summary>
public static class EventBody
{
    public static string Create(string id, string type, long created, TradeData data)
    {
        var sb = new StringBuilder(320);
        sb.Append("{\"id\":");
        JsJson.WriteString(sb, id);
        sb.Append(",\"type\":");
        JsJson.WriteString(sb, type);
        sb.Append(",\"created\":").Append(created.ToString(CultureInfo.InvariantCulture));
        sb.Append(",\"data\":{\"owner\":");
        JsJson.WriteString(sb, data.Owner);
        sb.Append(",\"marketSymbol\":");
        JsJson.WriteString(sb, data.MarketSymbol);
        sb.Append(",\"side\":");
        JsJson.WriteString(sb, data.Side);
        Number(sb, "sizeUsd", data.SizeUsd);
        Number(sb, "leverage", data.Leverage);
        Number(sb, "entryPrice", data.EntryPrice);
        Number(sb, "collateral", data.Collateral);
        sb.Append(",\"timestamp\":");
        JsJson.WriteString(sb, data.Timestamp);
        if (data.ExitPrice is { } exitPrice)
        {
            Number(sb, "exitPrice", exitPrice);
        }
        if (data.PnlUsd is { } pnlUsd)
        {
            Number(sb, "pnlUsd", pnlUsd);
        }
        sb.Append("}}");
        return sb.ToString();
    }

    private static void Number(StringBuilder sb, string name, double value)
    {
        sb.Append(",\"").Append(name).Append("\":");
        JsJson.WriteNumber(sb, value);
    }
}
