using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;

namespace Perps.Tests.Infrastructure;

/// <summary>The clients every test app is driven with, whichever app it is (the shared one or one of its own).</summary>
public static class AppClients
{
    /// <summary>A new user: a fresh API key made with the admin key, and a client that sends it.</summary>
    public static async Task<UserClient> CreateUserAsync(this DistributedApplication app, string name = "test user")
    {
        using var admin = app.CreateAdminClient();
        var key = await admin.CreateApiKeyAsync(name, TestContext.Current.CancellationToken);
        return new UserClient(app.CreateUserClient(key.Key), key.Id, key.Key);
    }

    /// <summary>Ingests one event or an array and returns the accepted event ids; fails the test unless the answer is 202.</summary>
    public static async Task<List<string>> IngestAsync(this DistributedApplication app, params JsonNode[] events)
    {
        using var ingest = app.CreateIngestClient();
        JsonNode body = events.Length == 1 ? events[0].DeepClone() : new JsonArray(events.Select(e => e.DeepClone()).ToArray());
        var response = await ingest.PostAsJsonAsync("/api/trades", body, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAnswerAsync<AcceptedEventsAnswer>()).Events.Select(e => e.Id).ToList();
    }
}
