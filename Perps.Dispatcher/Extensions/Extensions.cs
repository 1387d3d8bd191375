using Perps.Dispatcher.Health;
using Perps.Dispatcher.Pipeline;
using Perps.Webhooks;
using Perps.Webhooks.Lifecycle;

namespace Perps.Dispatcher.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPerpsConnections(keyLookupsOnly: true);

        builder.AddWebhookDelivery();
        // In-flight deliveries get up to one timeout to finish when the dispatcher stops.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        builder.Services.AddSingleton<FanOutRunner>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.Age > TimeSpan.FromDays(1), "Retention:Age must be longer than a day: alerts replay the last 24 hours of events.")
            .Validate(o => o.Interval > TimeSpan.Zero && o.BatchSize > 0, "Retention:Interval and BatchSize must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Retention>();
        builder.Services.AddSingleton<DispatcherHeartbeat>();
        builder.Services.AddSingleton<SendFairness>();
        builder.Services.AddSingleton<EndpointThrottle>();

        // Stopped in reverse order: stop taking work, finish what is in flight, then write the last results.
        builder.Services.AddSingletonHostedService<RecordQueue>();
        builder.Services.AddSingletonHostedService<DeliveryWorker>();
        builder.Services.AddHostedService<EventStreamConsumer>();
        builder.Services.AddHostedService<DueDeliveryScheduler>();
        builder.Services.AddHostedService<RetentionSweeper>();

        builder.Services.AddHealthChecks().AddCheck<DispatcherHealthCheck>("dispatcher-loops");
    }

    /// <summary>A hosted service that other services also call.</summary>
    private static void AddSingletonHostedService<T>(this IServiceCollection services) where T : class, IHostedService
    {
        services.AddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
    }
}
