using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Components;
using Perps.Portal.Auth;

namespace Perps.Portal.Api;

/// <summary>
/// The Perps API as the portal uses it: every route a user could call with curl, with the signed-in user's key as
/// <c>X-API-Key</c>. An answer of 401 means the key no longer works (revoked): the user is signed out, with a message,
/// here, once for every page.
/// </summary>
public sealed class PerpsApiClient(HttpClient http, ApiKeyAccessor keys, NavigationManager navigation)
{
    public const string ApiKeyHeader = "X-API-Key";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // The API refuses unknown members and reads a missing one as "unchanged": send only what is meant.
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Whether a key is one the API accepts: the sign-in check, before the key is kept in the cookie.</summary>
    public async Task<ApiResult<bool>> CheckKeyAsync(string apiKey, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/wallets");
        request.Headers.Add(ApiKeyHeader, apiKey);
        return await SendAsync(request, (_, _) => Task.FromResult(true), signOutOnUnauthorized: false, ct);
    }

    public Task<ApiResult<IReadOnlyList<Webhook>>> ListWebhooksAsync(CancellationToken ct = default) =>
        GetAsync("/api/webhooks", body => Read<IReadOnlyList<Webhook>>(body, "webhooks"), ct);

    public Task<ApiResult<Webhook>> GetWebhookAsync(string id, CancellationToken ct = default) =>
        GetAsync($"/api/webhooks/{Escape(id)}", body => Read<Webhook>(body, "webhook"), ct);

    public Task<ApiResult<WebhookWithSecret>> CreateWebhookAsync(string url, IReadOnlyList<string> events, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/api/webhooks", new { url, events }, body => Read<WebhookWithSecret>(body, "webhook"), ct);

    /// <summary>Only the members given change, as with <c>PUT /api/webhooks/{id}</c> itself.</summary>
    public Task<ApiResult<Webhook>> UpdateWebhookAsync(string id, string? url = null, IReadOnlyList<string>? events = null, bool? isActive = null,
        CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"/api/webhooks/{Escape(id)}", new UpdateWebhook(url, events, isActive), body => Read<Webhook>(body, "webhook"), ct);

    public Task<ApiResult<bool>> DeleteWebhookAsync(string id, CancellationToken ct = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"/api/webhooks/{Escape(id)}", null, _ => true, ct);

    /// <summary>A new secret; the current one keeps signing beside it for <paramref name="gracePeriodHours"/> (0 to 168).</summary>
    public Task<ApiResult<WebhookWithSecret>> RegenerateSecretAsync(string id, int gracePeriodHours, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/api/webhooks/{Escape(id)}/regenerate-secret", new { gracePeriodHours },
            body => Read<WebhookWithSecret>(body, "webhook"), ct);

    public Task<ApiResult<TestResult>> SendTestEventAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/api/webhooks/{Escape(id)}/test", null, body => Read<TestResult>(body, "test"), ct);

    public Task<ApiResult<WebhookStats>> GetStatsAsync(string id, CancellationToken ct = default) =>
        GetAsync($"/api/webhooks/{Escape(id)}/stats", body => Read<WebhookStats>(body, "stats"), ct);

    public Task<ApiResult<DeliveryPage>> ListDeliveriesAsync(string webhookId, DeliveryQuery query, CancellationToken ct = default) =>
        GetAsync($"/api/webhooks/{Escape(webhookId)}/deliveries{query.ToQueryString()}", body => Read<DeliveryPage>(body, null), ct);

    public Task<ApiResult<DeliveryDetail>> GetDeliveryAsync(string webhookId, string deliveryId, CancellationToken ct = default) =>
        GetAsync($"/api/webhooks/{Escape(webhookId)}/deliveries/{Escape(deliveryId)}", body => Read<DeliveryDetail>(body, null), ct);

    public Task<ApiResult<Delivery>> RedeliverAsync(string webhookId, string deliveryId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/api/webhooks/{Escape(webhookId)}/deliveries/{Escape(deliveryId)}/redeliver", null,
            body => Read<Delivery>(body, "delivery"), ct);

    /// <summary>Re-queues the failed (and skipped) deliveries created since <paramref name="since"/>; returns how many.</summary>
    public Task<ApiResult<int>> RecoverAsync(string webhookId, DateTimeOffset since, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"/api/webhooks/{Escape(webhookId)}/recover", new { since }, body => Read<int>(body, "requeued"), ct);

    public Task<ApiResult<IReadOnlyList<Wallet>>> ListWalletsAsync(CancellationToken ct = default) =>
        GetAsync("/api/wallets", body => Read<IReadOnlyList<Wallet>>(body, "wallets"), ct);

    public Task<ApiResult<Wallet>> AddWalletAsync(string address, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "/api/wallets", new { address }, body => Read<Wallet>(body, "wallet"), ct);

    public Task<ApiResult<bool>> RemoveWalletAsync(string address, CancellationToken ct = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"/api/wallets/{Escape(address)}", null, _ => true, ct);

    /// <summary>The watched wallets' trades since a time, oldest first (one page: up to <paramref name="limit"/>).</summary>
    public Task<ApiResult<IReadOnlyList<TradeAlert>>> ListEventsAsync(DateTimeOffset since, int limit, CancellationToken ct = default) =>
        GetAsync($"/api/events?since={Uri.EscapeDataString(since.UtcDateTime.ToString("O"))}&limit={limit}",
            body => Read<IReadOnlyList<TradeAlert>>(body, "events"), ct);

    public static T ReadAlert<T>(string frame) => JsonSerializer.Deserialize<T>(frame, Json)!;

    private Task<ApiResult<T>> GetAsync<T>(string path, Func<JsonNode, T> read, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path, null, read, ct);

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, Func<JsonNode, T> read, CancellationToken ct)
    {
        var key = await keys.GetApiKeyAsync();
        if (key is null)
        {
            navigation.NavigateTo(AccountPaths.SignIn, forceLoad: true);
            return new(default, new ApiProblem(HttpStatusCode.Unauthorized, "Not signed in", null, new Dictionary<string, string[]>()));
        }
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ApiKeyHeader, key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }
        return await SendAsync(request, async (content, token) => read((await content.ReadFromJsonAsync<JsonNode>(Json, token))!),
            signOutOnUnauthorized: true, ct);
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, Func<HttpContent, CancellationToken, Task<T>> read,
        bool signOutOnUnauthorized, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new(default, ApiProblem.Unreachable(ex.Message));
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return new(await read(response.Content, ct), null);
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && signOutOnUnauthorized)
            {
                navigation.NavigateTo(AccountPaths.KeyRejected, forceLoad: true);
            }
            return new(default, await ReadProblemAsync(response, ct));
        }
    }

    private static async Task<ApiProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = null;
        try
        {
            if (await response.Content.ReadFromJsonAsync<JsonObject>(Json, ct) is { } problem)
            {
                title = problem["title"]?.GetValue<string>() ?? title;
                detail = problem["detail"]?.GetValue<string>();
                foreach (var (field, messages) in problem["errors"]?.AsObject() ?? new JsonObject())
                {
                    errors[field] = messages?.AsArray().Select(m => m?.GetValue<string>() ?? "").ToArray() ?? [];
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            // Not a problem document (a proxy's error page): the status line says enough.
        }
        return new ApiProblem(response.StatusCode, title, detail, errors);
    }

    private static T Read<T>(JsonNode body, string? member) => (member is null ? body : body[member]!).Deserialize<T>(Json)!;

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private sealed record UpdateWebhook(string? Url, IReadOnlyList<string>? Events, bool? IsActive);
}
