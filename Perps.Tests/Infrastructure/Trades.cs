using System.Text.Json.Nodes;

namespace Perps.Tests.Infrastructure;

/// <summary>Builds and ingests trade events the way the upstream feed does.</summary>
public static class Trades
{
    public static JsonObject Event(string owner, string type = "trade.new", string? id = null, Action<JsonObject>? adjust = null)
    {
        var data = new JsonObject
        {
            ["owner"] = owner,
            ["marketSymbol"] = "SOL-PERP",
            ["side"] = "long",
            ["sizeUsd"] = 15000.50,
            ["leverage"] = 5.2,
            ["entryPrice"] = 185.42,
            ["collateral"] = 2884.71,
            ["timestamp"] = "2025-01-15T10:30:00Z",
        };
        if (type != "trade.new")
        {
            data["exitPrice"] = 190.1;
            data["pnlUsd"] = -120.25;
        }
        adjust?.Invoke(data);
        var trade = new JsonObject { ["type"] = type, ["data"] = data };
        if (id is not null)
        {
            trade["id"] = id;
        }
        return trade;
    }

    /// <summary>Ingests and returns the accepted event ids; fails the test unless the answer is 202.</summary>
    public static Task<List<string>> IngestAsync(this PerpsAppFixture fixture, params JsonNode[] events) => fixture.App.IngestAsync(events);
}
