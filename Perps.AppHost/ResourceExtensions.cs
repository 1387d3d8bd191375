using Microsoft.Extensions.Configuration;

namespace Perps.AppHost;

internal static class ResourceExtensions
{
    /// <summary>Redis and PostgreSQL as containers where a runtime exists (and when publishing), else as local executables.</summary>
    public static (IResourceBuilder<IResourceWithConnectionString> Redis, IResourceBuilder<IResourceWithConnectionString> Database)
        AddRedisAndPostgres(this IDistributedApplicationBuilder builder)
    {
        var mode = DependencyModes.Resolve(builder);
        if (mode == DependencyMode.Container)
        {
            var redis = builder.AddRedis("redis").WithDataVolume().WithPersistence();
            if (builder.ExecutionContext.IsPublishMode)
            {
                // azd turns container bindings into Container Apps ingress and knows only the tcp, http and https schemes.
                redis.WithEndpoint("tcp", endpoint => endpoint.UriScheme = "tcp");
            }
            var database = builder.AddPostgres("postgres").WithDataVolume().AddDatabase("perpsdb");
            return (redis, database);
        }

        var local = builder.AddLocalRedisAndPostgres(redisName: "redis", databaseName: "perpsdb");
        return (local.Redis, local.Database);
    }

    /// <summary>
    /// Hands the AppHost's environment, its trace sampling and its <c>Delivery</c>, <c>Retention</c>, <c>Security</c>, <c>RateLimit</c>, <c>Quotas</c>, <c>Feed</c> and <c>Alerts</c> settings to a service, so one
    /// <c>--Delivery:...</c> argument (or appsettings entry) configures the API and every dispatcher replica alike.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPerpsSettings(
        this IResourceBuilder<ProjectResource> resource, IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            resource.WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
                .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName);
        }

        // glibc's allocator gives threads their own arenas, up to 8 per core, and an arena keeps its high-water mark.
        // In a soak a dispatcher's arenas grew 14 MB in five minutes; with two, a 30-minute soak stayed within 10%.
        resource.WithEnvironment("MALLOC_ARENA_MAX", "2");

        var configuration = builder.ForwardedConfiguration();

        // The OpenTelemetry SDK's own settings: a share of new traces is recorded, and a trace begun in one service
        // (an ingest request) is recorded or not as a whole, across the API and the dispatchers.
        if (configuration.GetValue<double?>("Telemetry:TraceSampleRatio") is { } ratio)
        {
            resource.WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", ratio.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var section in new[] { "Delivery", "Retention", "Security", "RateLimit", "Quotas", "Feed", "Alerts" })
        {
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
            {
                if (value is not null)
                {
                    resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
                }
            }
        }
        return resource;
    }
}
