using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Perps.AppHost;

internal static class PublishConfiguration
{
    private const string DevelopmentFile = "appsettings.Development.json";

    /// <summary>
    /// The configuration whose settings are handed to the services. azd publishes the manifest by running the AppHost
    /// with its launch profile, i.e. as Development, and the Development file holds local-run settings (the loopback
    /// allow-list above all) that must not reach a deployment: when publishing, they are read without that file.
    /// </summary>
    public static IConfiguration ForwardedConfiguration(this IDistributedApplicationBuilder builder) =>
        builder.ExecutionContext.IsPublishMode && builder.Configuration is IConfigurationRoot root
            ? new ConfigurationRoot(root.Providers
                .Where(p => p is not JsonConfigurationProvider { Source.Path: DevelopmentFile })
                .ToList())
            : builder.Configuration;
}
