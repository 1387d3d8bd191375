using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace Perps.Testing;

/// <summary>Clients of a started app's API, each sending one kind of key, and a user's API key made with the admin key.</summary>
public static class ApiClients
{
    /// <summary>A client of the API with no key.</summary>
    public static HttpClient CreateAnonymousClient(this DistributedApplication app) => app.CreateHttpClient("api", "http");

    /// <summary>A client holding the admin key.</summary>
    public static HttpClient CreateAdminClient(this DistributedApplication app) => app.CreateKeyClient("X-Admin-Key", TestApp.AdminKey);

    /// <summary>A client holding the ingest key.</summary>
    public static HttpClient CreateIngestClient(this DistributedApplication app) => app.CreateKeyClient("X-Ingest-Key", TestApp.IngestKey);

    /// <summary>A client of one user, holding its API key.</summary>
    public static HttpClient CreateUserClient(this DistributedApplication app, string apiKey) => app.CreateKeyClient("X-API-Key", apiKey);

    /// <summary>A new API key, made through the admin route as an operator makes one; a refusal throws with what the API said.</summary>
    public static async Task<NewApiKey> CreateApiKeyAsync(this HttpClient admin, string name, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("/api/admin/api-keys", new { name }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"POST /api/admin/api-keys answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        var answer = await response.Content.ReadFromJsonAsync<CreatedApiKeyAnswer>(ApiJson.Options, cancellationToken);
        return answer!.ApiKey;
    }

    private static HttpClient CreateKeyClient(this DistributedApplication app, string header, string key)
    {
        var client = app.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add(header, key);
        return client;
    }

    /// <summary><c>{"success": true, "apiKey": {…}}</c>: the one camelCase member of the management API.</summary>
    private sealed record CreatedApiKeyAnswer([property: JsonPropertyName("apiKey")] NewApiKey ApiKey);
}

/// <summary>An API key as its creation answers it: the key itself is shown this once.</summary>
public sealed record NewApiKey(string Id, string Key);
