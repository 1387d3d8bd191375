using System.Net.Http.Json;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Setup;

/// <summary>A customer of the alert channel: its own API key and the wallets it watches (no webhook).</summary>
internal sealed record AlertUser(string ApiKey, IReadOnlyList<string> Wallets);

/// <summary>
/// The alert runs' customers, made through the public API as a customer would: each user gets an API key from the
/// admin key and watches wallets of its own. Nobody else watches those wallets, so each event is one alert.
/// </summary>
internal static class AlertUsers
{
    private const int InFlight = 8;

    public static async Task<List<AlertUser>> CreateAsync(BenchApp app, int users, int walletsEach, CancellationToken ct)
    {
        using var admin = app.CreateAdminClient();
        using var perUser = app.CreateAnonymousClient();
        var created = new AlertUser[users];
        await Parallel.ForAsync(0, users, new ParallelOptions { MaxDegreeOfParallelism = InFlight, CancellationToken = ct }, async (i, token) =>
        {
            var apiKey = (await admin.CreateApiKeyAsync($"bench alerts {i}", token)).Key;
            var wallets = Enumerable.Range(0, walletsEach).Select(_ => Wallets.NewAddress()).ToList();
            foreach (var wallet in wallets)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/wallets") { Content = JsonContent.Create(new { address = wallet }) };
                request.Headers.Add("X-API-Key", apiKey);
                await BenchTenants.ReadAsync(await perUser.SendAsync(request, token), token);
            }
            created[i] = new AlertUser(apiKey, wallets);
        });
        return [.. created];
    }

    /// <summary>
    /// The users' wallets interleaved (user 0's first, user 1's first, …), so the trade feed's consecutive events,
    /// and so each ingest batch, go to different users.
    /// </summary>
    public static List<string> Interleaved(IReadOnlyList<AlertUser> users) =>
        Enumerable.Range(0, users.Max(u => u.Wallets.Count))
            .SelectMany(i => users.Where(u => i < u.Wallets.Count).Select(u => u.Wallets[i]))
            .ToList();
}
