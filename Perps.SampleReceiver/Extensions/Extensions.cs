using Microsoft.Extensions.DependencyInjection.Extensions;
using Perps.SampleReceiver.Discord;
using Perps.SampleReceiver.Webhooks;

namespace Perps.SampleReceiver.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReceiverOptions>().BindConfiguration(ReceiverOptions.Section)
            .Validate(o => o.IsValid(),
                "Receiver:WebhookSecret is required and must be the whsec_... secret Perps gave; Receiver:DiscordWebhookUrl must be empty or an http(s) URL; Receiver:RememberedDeliveries at least 1; Receiver:TimestampTolerance positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeliveryDeduplicator>();
        // Perps waits 10 s for an answer: a slow Discord must not make the delivery fail and come again.
        builder.Services.AddHttpClient<DiscordNotifier>(http => http.Timeout = TimeSpan.FromSeconds(8));
    }
}
