using Microsoft.Extensions.Configuration;

namespace Perps.AppHost;

/// <summary>
/// The keys sealing webhook secrets at rest, as secret parameters: <c>secrets-key</c> (seals and opens) and, during a
/// key rotation, <c>secrets-previous-key-0</c>, <c>-1</c>, … (open only), each declared only when
/// <c>Parameters:secrets-previous-key-N</c> is set, counting from 0 without gaps.
/// </summary>
internal static class SecretsKeys
{
    public const string Current = "secrets-key";
    public const string PreviousPrefix = "secrets-previous-key-";

    public static (IResourceBuilder<ParameterResource> Current, IReadOnlyList<IResourceBuilder<ParameterResource>> Previous)
        AddSecretsKeys(this IDistributedApplicationBuilder builder)
    {
        var current = builder.AddParameter(Current, secret: true);
        var previous = new List<IResourceBuilder<ParameterResource>>();
        // Parameters, not forwarded settings: a literal value would be written into the published manifest.
        var configuration = builder.ForwardedConfiguration();
        while (configuration.GetSection($"Parameters:{PreviousPrefix}{previous.Count}").Exists())
        {
            previous.Add(builder.AddParameter($"{PreviousPrefix}{previous.Count}", secret: true)
                .WithDescription("A secrets key being rotated out: it opens webhook secrets sealed under it until the API has re-sealed them."));
        }
        return (current, previous);
    }

    /// <summary>
    /// <c>Secrets__Key</c> and <c>Secrets__PreviousKeys__N</c>, as the service's <c>SecretsOptions</c> binds them, and
    /// <c>Secrets:ResealInterval</c> (how often the API re-seals) when it is set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSecretsKeys(this IResourceBuilder<ProjectResource> resource,
        IDistributedApplicationBuilder builder,
        (IResourceBuilder<ParameterResource> Current, IReadOnlyList<IResourceBuilder<ParameterResource>> Previous) keys)
    {
        resource.WithEnvironment("Secrets__Key", keys.Current);
        for (var i = 0; i < keys.Previous.Count; i++)
        {
            resource.WithEnvironment($"Secrets__PreviousKeys__{i}", keys.Previous[i]);
        }
        if (builder.ForwardedConfiguration()["Secrets:ResealInterval"] is { } interval)
        {
            resource.WithEnvironment("Secrets__ResealInterval", interval);
        }
        return resource;
    }
}
