namespace Perps.AppHost;

internal static class ManifestReplicas
{
    /// <summary>
    /// Writes the project into the publish manifest as Aspire does (<c>project.v0</c>: path, args, env, bindings), plus
    /// <c>"replicas"</c>: the count set by <c>WithReplicas</c>, which Aspire leaves out of the manifest
    /// (dotnet/aspire#2629). azd does not read it yet (it gives every container app <c>minReplicas: 1</c>), so the
    /// README says how to carry it into the container app; here it keeps the deployment's intent in the manifest.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicasInManifest(this IResourceBuilder<ProjectResource> project) =>
        project.WithManifestPublishingCallback(async context =>
        {
            var resource = project.Resource;
            context.Writer.WriteString("type", "project.v0");
            context.Writer.WriteString("path", context.GetManifestRelativePath(resource.GetProjectMetadata().ProjectPath));
            await context.WriteCommandLineArgumentsAsync(resource);
            await context.WriteEnvironmentVariablesAsync(resource);
            context.WriteBindings(resource);
            context.Writer.WriteNumber("replicas", resource.GetReplicaCount());
        });
}
