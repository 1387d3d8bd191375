namespace Perps.Api.Secrets;

/// <summary>The API's part of section <c>Secrets</c> (the keys themselves are <c>SecretsOptions</c>, shared with the dispatcher).</summary>
internal sealed class SecretResealOptions
{
    public const string Section = "Secrets";

    /// <summary>
    /// How often the API looks for secrets not sealed under the current key (it also looks at start). Looking
    /// again catches rows a replica still on the old key sealed during a rolling deployment.
    /// </summary>
    public TimeSpan ResealInterval { get; set; } = TimeSpan.FromMinutes(10);
}
