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
    }
}

internal sealed class UpdateWebhookValidator(WebhookUrlRules urls) : IRequestValidator<UpdateWebhookRequest>
{
    public void Validate(UpdateWebhookRequest request, ValidationErrors errors)
    {
        if (request is { Url: null, Events: null, IsActive: null })
        {
            errors.Add("body", "must set at least one of url, events, is_active");
        }
        if (request.Url is not null)
        {
            urls.Validate(request.Url, "url", errors);
        }
        if (request.Events is not null)
        {
            EventListRules.Validate(request.Events, errors);
        }
    }
}

internal static class EventListRules
{
    public static void Validate(string[] events, ValidationErrors errors)
    {
        if (events.Length == 0)
        {
            errors.Add("events", $"must name at least one of {string.Join(", ", EventTypes.All)}");
        }
        foreach (var type in events.Where(e => !EventTypes.IsKnown(e)))
        {
            errors.Add("events", $"'{Truncate(type)}' is not an event type; use {string.Join(", ", EventTypes.All)}");
        }
        if (events.Distinct(StringComparer.Ordinal).Count() != events.Length)
        {
            errors.Add("events", "must not name an event type twice");
        }
    }

    public static string Truncate(string? value) => value is { Length: > 40 } ? value[..40] + "…" : value ?? "null";
}
