using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Perps.Portal.Alerts;
using Perps.Portal.Api;
using Perps.Portal.Auth;
using StackExchange.Redis;

namespace Perps.Portal.Extensions;

public static class Extensions
{
    /// <summary>Where the key ring lives in Redis: the portal's only use of it (no Perps data is read there).</summary>
    private const string KeyRingRedisKey = "perps:portal:data-protection-keys";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateOnStart();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();

        builder.AddSignIn();
        builder.AddApiClient();
        builder.Services.AddScoped<AlertStream>();
    }

    /// <summary>
    /// Cookie sign-in holding the API key. The cookie is encrypted and signed by Data Protection, HttpOnly and
    /// SameSite=Strict; its key ring is kept in Redis, so a restart or another replica reads existing cookies.
    /// </summary>
    private static void AddSignIn(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");
        builder.Services.AddDataProtection().SetApplicationName("Perps.Portal");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer>((options, redis) =>
                options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingRedisKey));

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<PortalOptions>>((cookie, portal) =>
            {
                cookie.Cookie.Name = "perps-portal";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // https where deployed, http on localhost
                cookie.ExpireTimeSpan = portal.Value.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = AccountPaths.SignIn;
                cookie.LogoutPath = AccountPaths.SignOut;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddScoped<ApiKeyAccessor>();
    }

    /// <summary>
    /// The typed client of the API, through service discovery, with the standard resilience handler (from the service
    /// defaults). Only safe methods are retried: a retried POST could create a second webhook or send a second test.
    /// </summary>
    private static void AddApiClient(this IHostApplicationBuilder builder)
    {
        var client = builder.Services.AddHttpClient<PerpsApiClient>((services, http) =>
            http.BaseAddress = services.GetRequiredService<IOptions<PortalOptions>>().Value.ApiBaseAddress);
        var timeout = builder.Configuration.GetSection(PortalOptions.Section).GetValue<TimeSpan?>(nameof(PortalOptions.ApiAttemptTimeout))
            ?? new PortalOptions().ApiAttemptTimeout;
        builder.Services.Configure<HttpStandardResilienceOptions>($"{client.Name}-standard", options =>
        {
            options.Retry.DisableForUnsafeHttpMethods();
            options.AttemptTimeout.Timeout = timeout;
            options.TotalRequestTimeout.Timeout = timeout * 3;
            options.CircuitBreaker.SamplingDuration = timeout * 2; // must be at least twice the attempt timeout
        });
    }

    public static void UsePortalPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }
}
