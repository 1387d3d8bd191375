using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Perps.SampleReceiver.Webhooks;

namespace Perps.SampleReceiver.Discord;

/// <summary>Posts a new trade's embed to the configured Discord webhook; without one, logs what it would have posted.</summary>
internal sealed class DiscordNotifier(HttpClient http, IOptions<ReceiverOptions> options, ILogger<DiscordNotifier> logger)
{
    public async Task NotifyNewTradeAsync(Trade trade, CancellationToken cancellationToken)
    {
        var message = DiscordMessage.ForNewTrade(trade);
        if (string.IsNullOrEmpty(options.Value.DiscordWebhookUrl))
        {
            var embed = message.Embeds[0];
            Log.DiscordNotConfigured(logger, embed.Title, embed.Fields[0].Value, embed.Fields[2].Value);
            return;
        }

        using var content = new StringContent(JsonSerializer.Serialize(message, DiscordMessage.Json), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(options.Value.DiscordWebhookUrl, content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
