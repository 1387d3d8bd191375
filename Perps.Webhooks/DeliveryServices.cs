using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Security;
using Perps.Webhooks.Telemetry;

namespace Perps.Webhooks;

public static class DeliveryServices
{
    /// <summary>
    /// What the API (for tests, redeliveries and recoveries) and the dispatcher both need to sign and send attempts,
    /// and the delivery lifecycle: every statement that changes a delivery.
    /// </summary>
    public static IHostApplicationBuilder AddWebhookDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>();
        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section)
            .Validate(o => o.Timeout > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.ClaimIdle > TimeSpan.Zero
                    && o.DisableAfterSpan >= TimeSpan.Zero && o.MaxRetryAfter >= TimeSpan.Zero && o.DisableAfterFailures > 0,
                "Delivery:Timeout, PollInterval, ClaimIdle and DisableAfterFailures must be positive; DisableAfterSpan and MaxRetryAfter not negative.")
            .Validate(o => o.Retries.All(wait => wait >= TimeSpan.Zero), "Delivery:RetrySchedule waits must not be negative.")
            .Validate(o => o.AttemptLease > o.Timeout, "Delivery:AttemptLease must be longer than Delivery:Timeout.")
            .Validate(o => o.FanOutGrace > o.ClaimIdle / 3,
                "Delivery:FanOutGrace must be longer than a third of Delivery:ClaimIdle (how often fan-outs in progress are marked seen).")
            .Validate(o => o.MaxConcurrency > 0 && o.MaxConcurrencyPerTenant > 0 && o.MaxConcurrencyPerHost > 0,
                "Delivery:MaxConcurrency, MaxConcurrencyPerTenant and MaxConcurrencyPerHost must be positive.")
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddSingleton<OpenedSecrets>();
        builder.Services.AddSingleton<NetworkPolicy>();
        builder.Services.AddSingleton<SafeConnector>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<RetryPolicy>();
        builder.Services.AddSingleton<EventFanOut>();
        builder.Services.AddSingleton<DeliveryRecorder>();
        builder.Services.AddSingleton<DueDeliveries>();
        builder.Services.AddSingleton<ManualDeliveries>();
        builder.Services.AddSingleton<TestSends>();
        builder.Services.AddSingleton<WebhookDeletion>();
        builder.Services.AddSingleton<PerpsMetrics>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(PerpsMetrics.MeterName));
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(PerpsTracing.Source.Name));
        return builder;
    }
}
