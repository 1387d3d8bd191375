using Perps.Api.Contracts;

namespace Perps.Api.Validation;

internal static class ValidationServices
{
    public static IServiceCollection AddRequestValidators(this IServiceCollection services) => services
        .AddSingleton<WebhookUrlRules>()
        .AddSingleton<IRequestValidator<CreateApiKeyRequest>, CreateApiKeyValidator>()
        .AddSingleton<IRequestValidator<AddWalletRequest>, AddWalletValidator>()
        .AddSingleton<IRequestValidator<CreateWebhookRequest>, CreateWebhookValidator>()
        .AddSingleton<IRequestValidator<UpdateWebhookRequest>, UpdateWebhookValidator>()
        .AddSingleton<IRequestValidator<RegenerateSecretRequest>, RegenerateSecretValidator>();
}
