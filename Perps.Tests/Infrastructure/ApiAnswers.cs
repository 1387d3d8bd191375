using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Perps.Tests.Infrastructure;

// The API's answers as a client reads them: the members the tests look at, under their wire names (ApiJson.Options:
// snake_case), declared here rather than taken from Perps.Api's contracts so that the tests check the wire, not the
// service's own types. A member without a default must be on the wire; one with a default (null) may be absent or
// null, as a JSON node read would allow.

public sealed record AcceptedEventsAnswer(IReadOnlyList<AcceptedEvent> Events);

public sealed record AcceptedEvent(string Id);

public sealed record WalletAnswer(Wallet Wallet);

public sealed record WalletListAnswer(IReadOnlyList<Wallet> Wallets);

public sealed record Wallet(string Address);

/// <summary>A webhook's answer: of <c>GET /api/webhooks/{id}</c> with its health, of an update without.</summary>
public sealed record WebhookAnswer(Webhook Webhook, WebhookHealth? Health = null);

public sealed record WebhookListAnswer(IReadOnlyList<Webhook> Webhooks);

public sealed record Webhook(
    string Id,
    string Url,
    bool IsActive,
    DateTimeOffset? DisabledAt = null,
    string? DisabledReason = null,
    WebhookFilters? Filters = null,
    int? RateLimit = null,
    DateTimeOffset? PreviousSecretExpiresAt = null);

/// <summary>The answer of creation and of secret regeneration, the only ones that show the secret.</summary>
public sealed record WebhookWithSecretAnswer(WebhookWithSecret Webhook);

public sealed record WebhookWithSecret(string Id, string Secret, WebhookFilters? Filters = null, int? RateLimit = null);

public sealed record WebhookFilters(
    IReadOnlyList<string>? Markets = null,
    IReadOnlyList<string>? Sides = null,
    double? MinSizeUsd = null,
    double? MinLeverage = null,
    IReadOnlyList<string>? Wallets = null);

public sealed record WebhookHealth(
    [property: JsonPropertyName("deliveries_24h")] long Deliveries24h,
    [property: JsonPropertyName("succeeded_24h")] long Succeeded24h,
    [property: JsonPropertyName("failed_24h")] long Failed24h,
    int ConsecutiveFailures,
    DateTimeOffset? LastSuccessAt = null,
    DateTimeOffset? LastFailureAt = null,
    DateTimeOffset? FailingSince = null);

public sealed record DeliveryListAnswer(IReadOnlyList<DeliveryState> Deliveries);

/// <summary>A delivery with every attempt: <c>GET /api/webhooks/{id}/deliveries/{deliveryId}</c>.</summary>
public sealed record DeliveryAnswer(DeliveryState Delivery, IReadOnlyList<DeliveryAttempt> Attempts);

/// <summary>A delivery as the history lists it: its state, without its attempts.</summary>
public sealed record DeliveryState(
    string Id,
    string EventId,
    string Status,
    int Attempts,
    int? LastStatusCode = null,
    string? LastError = null,
    DateTimeOffset? NextAttemptAt = null);

public sealed record DeliveryAttempt(int Attempt, double DurationMs, int? StatusCode = null, string? Error = null, string? ResponseBody = null);

/// <summary>The answer of <c>POST /api/webhooks/{id}/test</c>.</summary>
public sealed record TestSendAnswer(TestSend Test);

public sealed record TestSend(string DeliveryId, bool Succeeded, int? StatusCode = null, string? ResponseBody = null);

public sealed record RecoverAnswer(int Requeued);

public sealed record StatsAnswer(WebhookStats Stats);

public sealed record WebhookStats(
    [property: JsonPropertyName("last_24_hours")] DaySummary Last24Hours,
    IReadOnlyList<MinuteCounts> LastHour,
    AttemptDurations LastHourAttempts);

public sealed record DaySummary(int Deliveries, int Succeeded, int Failed, double? SuccessRate = null, DateTimeOffset? LastDeliveryAt = null);

public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed);

public sealed record AttemptDurations(
    int Attempts,
    [property: JsonPropertyName("p50_ms")] double? P50Ms = null,
    [property: JsonPropertyName("p99_ms")] double? P99Ms = null);

public static class ApiAnswers
{
    /// <summary>The body read as <typeparamref name="T"/>, by the wire's names.</summary>
    public static async Task<T> ReadAnswerAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, TestContext.Current.CancellationToken))!;
}
