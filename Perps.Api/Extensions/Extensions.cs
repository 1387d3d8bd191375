using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Perps.Api.Alerts;
using Perps.Api.Auth;
using Perps.Api.Data;
using Perps.Api.Errors;
using Perps.Api.Feed;
using Perps.Api.OpenApi;
using Perps.Api.RateLimits;
using Perps.Api.Secrets;
using Perps.Api.Validation;
using Perps.Webhooks;

namespace Perps.Api.Extensions;

internal static class Extensions
{
    /// <summary>Everything larger is refused with 413 before it is read: batches of 1,000 trades fit comfortably.</summary>
    public const long MaxRequestBodyBytes = 2 * 1024 * 1024;

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPerpsConnections();

        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.AdminKey.Length > 0 && o.IngestKey.Length > 0, "Auth:AdminKey and Auth:IngestKey are required.")
            .ValidateOnStart();
        builder.Services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.Section)
            .Validate(o => o.MaxWebhooksPerKey > 0 && o.MaxWalletsPerKey > 0, "Quotas figures must be positive.")
            .ValidateOnStart();
        builder.AddWebhookDelivery();

        builder.Services.AddHostedService<SchemaMigrator>();
        // After the migrator: hosted services start in order, so the schema is there when the first sweep runs.
        builder.Services.AddOptions<SecretResealOptions>().BindConfiguration(SecretResealOptions.Section)
            .Validate(o => o.ResealInterval > TimeSpan.Zero, "Secrets:ResealInterval must be positive.")
            .ValidateOnStart();
        builder.Services.AddHostedService<SecretResealer>();
        builder.Services.AddAlerts();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<WalletStore>();
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<DeliveryStore>();
        builder.Services.AddSingleton<DeliveryStatsStore>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<EventQueue>();
        builder.Services.AddSingleton<TradeIngestor>();
        builder.Services.AddTradeFeed();
        builder.Services.AddRequestValidators();
        builder.Services.AddApiRateLimiting();
        builder.Services.AddApiDocumentation();

        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, KeyAuthenticationHandler>(AuthSchemes.ApiKey, null)
            .AddScheme<AuthenticationSchemeOptions, KeyAuthenticationHandler>(AuthSchemes.Admin, null)
            .AddScheme<AuthenticationSchemeOptions, KeyAuthenticationHandler>(AuthSchemes.Ingest, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthSchemes.ApiKey, p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).RequireAuthenticatedUser())
            .AddPolicy(AuthSchemes.Admin, p => p.AddAuthenticationSchemes(AuthSchemes.Admin).RequireAuthenticatedUser())
            .AddPolicy(AuthSchemes.Ingest, p => p.AddAuthenticationSchemes(AuthSchemes.Ingest).RequireAuthenticatedUser())
            .AddPolicy(AuthSchemes.ApiKeyOrFirstFrame, p => p.AddAuthenticationSchemes(AuthSchemes.ApiKey).RequireAssertion(_ => true));

        builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        // Binding failures (malformed JSON, wrong types) throw, so the exception handler can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDefaults.Customize);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
    }

    public static void UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        // Before authentication: an address that keeps presenting wrong keys is refused without a key lookup.
        app.UseFailedAuthLimit();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization, so requests are limited by the key that authenticated, not by whatever header was sent.
        app.UseRateLimiter();
    }

    /// <summary>Strict JSON: exact types, no unknown or repeated members, no numbers in strings.</summary>
    private static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = false; // the web defaults would take "URL" for "url"
        options.NumberHandling = JsonNumberHandling.Strict;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowDuplicateProperties = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }
}
