using Microsoft.Extensions.Configuration;

namespace Perps.AppHost;

internal static class PortalResource
{
    /// <summary>
    /// The portal (<c>Perps.Portal</c>): the web page where a user manages webhooks and sees every delivery, on
    /// <c>Portal:Port</c> (5002) in a local run and behind its own external ingress when deployed. The public API is its
    /// only backend, found by service discovery; Redis holds only its Data Protection key ring (the sign-in cookies'
    /// keys), so a restart signs nobody out. <c>Portal:Enabled=false</c> leaves it out (test apps started for another
    /// purpose).
    /// </summary>
    public static void AddPortal(this IDistributedApplicationBuilder builder,
        IResourceBuilder<ProjectResource> api, IResourceBuilder<IResourceWithConnectionString> redis)
    {
        if (!builder.Configuration.GetValue("Portal:Enabled", true))
        {
            return;
        }

        var portal = builder.AddProject<Projects.Perps_Portal>("portal", launchProfileName: null)
            // Deployed, the container app's ingress owns the public port, as for the API.
            .WithHttpEndpoint(port: builder.ExecutionContext.IsPublishMode ? null : builder.Configuration.GetValue<int?>("Portal:Port"), name: "http")
            .WithExternalHttpEndpoints()
            .WithReference(api).WaitFor(api)
            .WithReference(redis).WaitFor(redis)
            .WithHttpHealthCheck("/health");
        if (!builder.ExecutionContext.IsPublishMode)
        {
            portal.WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
                .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName);
        }
    }
}
