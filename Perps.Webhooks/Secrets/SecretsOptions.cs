namespace Perps.Webhooks.Secrets;

public sealed class SecretsOptions
{
    public const string Section = "Secrets";

    /// <summary>Base64 of the 32-byte AES-256 key that seals webhook secrets at rest. Never stored in the database.</summary>
    public string Key { get; set; } = "";
}
