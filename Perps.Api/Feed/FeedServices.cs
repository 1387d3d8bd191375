namespace Perps.Api.Feed;

internal static class FeedServices
{
    /// <summary>The demo trade feed, registered in Development only; even there it does nothing unless <c>Feed:Enabled</c> is true.</summary>
    public static IServiceCollection AddTradeFeed(this IServiceCollection services)
    {
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section)
            .Validate(o => o.Interval > TimeSpan.Zero && o.WalletRefresh > TimeSpan.Zero && o.MaxWallets > 0,
                "Feed:Interval and Feed:WalletRefresh must be above zero and Feed:MaxWallets at least 1.")
            .ValidateOnStart();
        services.AddSingleton<TradeFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<TradeFeed>());
        services.AddHealthChecks().AddCheck<TradeFeedHealthCheck>("trade-feed");
        return services;
    }
}
