using Microsoft.Extensions.Configuration;

namespace Perps.AppHost;

internal static class SampleReceiverResource
{
    /// <summary>
    /// The sample receiver (the guide's webhook server in C#), only with <c>--SampleReceiver:Enabled=true</c>: on
    /// <c>SampleReceiver:Port</c> (5080), taking <c>SampleReceiver:WebhookSecret</c> (asked for in the dashboard when
    /// not given) and an optional <c>SampleReceiver:DiscordWebhookUrl</c>.
    /// </summary>
    public static void AddSampleReceiver(this IDistributedApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue("SampleReceiver:Enabled", false))
        {
            return;
        }

        var secret = builder.AddParameterFromConfiguration("receiver-webhook-secret", "SampleReceiver:WebhookSecret", secret: true)
            .WithDescription("The whsec_... secret of the webhook whose URL is the sample receiver's /webhook.");
        var discordUrl = builder.AddParameter("receiver-discord-url",
            builder.Configuration["SampleReceiver:DiscordWebhookUrl"] ?? "", publishValueAsDefault: false, secret: true);

        builder.AddProject<Projects.Perps_SampleReceiver>("sample-receiver", launchProfileName: null)
            .WithHttpEndpoint(port: builder.Configuration.GetValue("SampleReceiver:Port", 5080), name: "http")
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithEnvironment("Receiver__WebhookSecret", secret)
            .WithEnvironment("Receiver__DiscordWebhookUrl", discordUrl)
            .WithHttpHealthCheck("/health");
    }
}
