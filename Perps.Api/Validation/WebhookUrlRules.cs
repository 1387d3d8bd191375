using Perps.Webhooks.Security;

namespace Perps.Api.Validation;

/// <summary>
/// What an endpoint URL must be: absolute http(s), at most 2,048 characters, no user-info, no whitespace or
/// control or invisible formatting characters (no header injection, no bidi spoofing); https only outside Development; not a loopback, private or reserved
/// address where the URL itself says so (names are checked again at connect time by the dispatcher).
/// </summary>
internal sealed class WebhookUrlRules(IHostEnvironment environment, NetworkPolicy network)
{
    public const int MaxLength = 2048;

    public void Validate(string url, string field, ValidationErrors errors)
    {
        if (url.Length > MaxLength)
        {
            errors.Add(field, $"must be at most {MaxLength} characters");
            return;
        }
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
        {
            errors.Add(field, "must not contain whitespace, control or invisible formatting characters (such as bidi overrides)");
            return;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            errors.Add(field, "must be an absolute http or https URL");
            return;
        }
        if (uri.UserInfo.Length > 0)
        {
            errors.Add(field, "must not contain user-info (credentials before the host)");
            return;
        }
        if (uri.Scheme == "http" && !environment.IsDevelopment())
        {
            errors.Add(field, "must use https");
            return;
        }
        if (network.Refusal(uri) is { } refusal)
        {
            errors.Add(field, refusal);
        }
    }
}
