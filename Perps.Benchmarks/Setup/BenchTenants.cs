using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Setup;

/// <summary>
/// A group of wallets whose every trade makes <see cref="FanOut"/> deliveries to the receiver, or, with
/// <see cref="LargeTradesOnly"/>, whose webhooks filter on size so that only the feed's large tenth is delivered.
/// </summary>
internal sealed record HotGroup(int FanOut, IReadOnlyList<string> Wallets, IReadOnlyList<(string Id, string Secret)> Webhooks, bool LargeTradesOnly = false)
{
    /// <summary>Whether the group's webhooks are owed a delivery of this event of the feed.</summary>
    public bool Owes(string eventId) => !LargeTradesOnly || Runs.TradeBatches.IsLarge(eventId);
}

/// <summary>
/// The users the load is for, made through the public API as a customer would: one watches ten wallets with one
/// webhook (fan-out 1); another watches ten other wallets with ten webhooks (fan-out 10). Every webhook points at
/// the receiver and subscribes to every event type.
/// </summary>
internal static class BenchTenants
{
    public const int WalletsPerGroup = 10;
    private static readonly string[] AllEvents = ["trade.new", "trade.close", "trade.liquidation"];

    public static async Task<HotGroup> CreateAsync(BenchApp app, SignatureCheckingReceiver receiver, int fanOut, CancellationToken ct,
        bool largeTradesOnly = false)
    {
        using var admin = app.CreateAdminClient();
        var key = await admin.CreateApiKeyAsync($"bench fan-out {fanOut}", ct);
        using var user = app.CreateUserClient(key.Key);

        var wallets = Enumerable.Range(0, WalletsPerGroup).Select(_ => Wallets.NewAddress()).ToList();
        foreach (var wallet in wallets)
        {
            await ReadAsync(await user.PostAsJsonAsync("/api/wallets", new { address = wallet }, ct), ct);
        }
        var webhooks = new List<(string, string)>();
        for (var i = 0; i < fanOut; i++)
        {
            var body = await ReadAsync(await user.PostAsJsonAsync("/api/webhooks",
                largeTradesOnly
                    ? new { url = $"{receiver.BaseUrl}/fanout-{fanOut}-filtered/{i}", events = AllEvents, filters = (object?)new { min_size_usd = 100000 } }
                    : new { url = $"{receiver.BaseUrl}/fanout-{fanOut}/{i}", events = AllEvents, filters = (object?)null }, ct), ct);
            var id = body["webhook"]!["id"]!.GetValue<string>();
            var secret = body["webhook"]!["secret"]!.GetValue<string>();
            receiver.Register(id, secret);
            webhooks.Add((id, secret));
        }
        return new HotGroup(fanOut, wallets, webhooks, largeTradesOnly);
    }

    /// <summary>The JSON answer of a setup request; a refusal stops the benchmark with what the API said.</summary>
    internal static async Task<JsonObject> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {text}");
            }
            return JsonNode.Parse(text)!.AsObject();
        }
    }
}
