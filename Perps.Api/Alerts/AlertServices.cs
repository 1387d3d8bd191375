namespace Perps.Api.Alerts;

internal static class AlertServices
{
    /// <summary>The alert channel: its settings, this replica's hub (after the schema migrator: it reads the log's epoch at start) and the connection leases.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Validate(o => o.IsValid(), "Alerts settings must be positive.")
            .ValidateOnStart();
        services.AddSingleton<AlertLog>();
        services.AddSingleton<AlertSignal>();
        services.AddSingleton<AlertMetrics>();
        services.AddSingleton<AlertSession>();
        services.AddSingleton<AlertHub>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertHub>());
        services.AddSingleton<ConnectionLeases>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectionLeases>());
        services.AddHostedService<RevokedKeyCloser>();
        return services;
    }
}
