using Perps.Api.Contracts;
using Perps.Webhooks.Events;

namespace Perps.Api.Validation;

internal sealed class CreateApiKeyValidator : IRequestValidator<CreateApiKeyRequest>
{
    public void Validate(CreateApiKeyRequest request, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100 || request.Name.Any(char.IsControl))
        {
            errors.Add("name", "must be 1 to 100 characters without control characters");
        }
    }
}

internal sealed class AddWalletValidator : IRequestValidator<AddWalletRequest>
{
    public void Validate(AddWalletRequest request, ValidationErrors errors)
    {
        if (!Base58.IsSolanaAddress(request.Address))
        {
            errors.Add("address", "must be a Solana address: base58 that decodes to 32 bytes");
        }
    }
}

internal sealed class CreateWebhookValidator(WebhookUrlRules urls) : IRequestValidator<CreateWebhookRequest>
{
    public void Validate(CreateWebhookRequest request, ValidationErrors errors)
    {
        urls.Validate(request.Url, "url", errors);
        EventListRules.Validate(request.Events, errors);
        if (request.Filters is not null)
        {
            TradeFilterRules.Validate(request.Filters, errors);
        }
        if (request.RateLimit is not null)
        {
            RateLimitRules.Validate(request.RateLimit.Value, allowNone: false, errors);
        }
    }
}

internal sealed class UpdateWebhookValidator(WebhookUrlRules urls) : IRequestValidator<UpdateWebhookRequest>
{
    public void Validate(UpdateWebhookRequest request, ValidationErrors errors)
    {
        if (request is { Url: null, Events: null, IsActive: null, Filters: null, RateLimit: null })
        {
            errors.Add("body", "must set at least one of url, events, is_active, filters, rate_limit");
        }
        if (request.Url is not null)
        {
            urls.Validate(request.Url, "url", errors);
        }
        if (request.Events is not null)
        {
            EventListRules.Validate(request.Events, errors);
        }
        if (request.Filters is not null)
        {
            TradeFilterRules.Validate(request.Filters, errors);
        }
        if (request.RateLimit is not null)
        {
            RateLimitRules.Validate(request.RateLimit.Value, allowNone: true, errors);
        }
    }
}

internal sealed class RegenerateSecretValidator : IRequestValidator<RegenerateSecretRequest>
{
    public void Validate(RegenerateSecretRequest request, ValidationErrors errors)
    {
        if (request.GracePeriodHours is < 0 or > RegenerateSecretRequest.MaxHours)
        {
            errors.Add("grace_period_hours", $"must be 0 to {RegenerateSecretRequest.MaxHours} (0 revokes the old secret at once)");
        }
    }
}

/// <summary>A webhook's trade filters: every list non-empty, without repeats; minimums not negative.</summary>
internal static class TradeFilterRules
{
    public const int MaxMarkets = 100;
    public const int MaxMarketLength = TradeEventValidator.MaxMarketSymbolLength;
    public const double MaxMinSizeUsd = 1e12;
    public const double MaxMinLeverage = 10_000;

    public static void Validate(TradeFilters filters, ValidationErrors errors)
    {
        if (filters.Markets is { } markets)
        {
            ListRules("filters.markets", markets, MaxMarkets, errors);
            if (markets.Any(m => m is not null && (m.Length is 0 or > MaxMarketLength || m.Any(char.IsControl))))
            {
                errors.Add("filters.markets", $"each market symbol must be 1 to {MaxMarketLength} characters without control characters");
            }
        }
        if (filters.Sides is { } sides)
        {
            ListRules("filters.sides", sides, TradeSides.All.Count, errors);
            if (sides.Any(s => s is not null && !TradeSides.IsKnown(s)))
            {
                errors.Add("filters.sides", "each side must be long or short");
            }
        }
        if (filters.MinSizeUsd is < 0 or > MaxMinSizeUsd)
        {
            errors.Add("filters.min_size_usd", $"must be 0 to {MaxMinSizeUsd:0}");
        }
        if (filters.MinLeverage is < 0 or > MaxMinLeverage)
        {
            errors.Add("filters.min_leverage", $"must be 0 to {MaxMinLeverage:0}");
        }
        if (filters.Wallets is { } wallets)
        {
            ListRules("filters.wallets", wallets, int.MaxValue, errors);
            if (wallets.Any(w => w is not null && !Base58.IsSolanaAddress(w)))
            {
                errors.Add("filters.wallets", "each wallet must be a Solana address on your watchlist");
            }
        }
    }

    private static void ListRules(string field, string[] values, int max, ValidationErrors errors)
    {
        if (values.Length == 0)
        {
            errors.Add(field, "must not be empty (leave the field out to match every trade)");
        }
        if (values.Length > max)
        {
            errors.Add(field, $"must hold at most {max} values");
        }
        if (values.Any(v => v is null))
        {
            errors.Add(field, "must not hold null");
        }
        if (values.Distinct(StringComparer.Ordinal).Count() != values.Length)
        {
            errors.Add(field, "must not name a value twice");
        }
    }
}

/// <summary>A webhook's rate limit: deliveries per second to its endpoint.</summary>
internal static class RateLimitRules
{
    public const int Max = 1000;

    public static void Validate(int rateLimit, bool allowNone, ValidationErrors errors)
    {
        if (rateLimit > Max || rateLimit < (allowNone ? 0 : 1))
        {
            errors.Add("rate_limit", allowNone
                ? $"must be 1 to {Max} deliveries per second, or 0 to remove the limit"
                : $"must be 1 to {Max} deliveries per second");
        }
    }
}

internal static class EventListRules
{
    public static void Validate(string[] events, ValidationErrors errors)
    {
        if (events.Length == 0)
        {
            errors.Add("events", $"must name at least one of {string.Join(", ", EventTypes.Subscribable)}");
        }
        foreach (var type in events.Where(e => !EventTypes.IsSubscribable(e)))
        {
            errors.Add("events", $"'{Truncate(type)}' is not an event type; use {string.Join(", ", EventTypes.Subscribable)}");
        }
        if (events.Distinct(StringComparer.Ordinal).Count() != events.Length)
        {
            errors.Add("events", "must not name an event type twice");
        }
    }

    public static string Truncate(string? value) => value is { Length: > 40 } ? value[..40] + "…" : value ?? "null";
}
