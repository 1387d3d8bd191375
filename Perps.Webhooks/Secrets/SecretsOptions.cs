namespace Perps.Webhooks.Secrets;

/// <summary>Section <c>Secrets</c>: the keys that seal webhook secrets at rest. Never stored in the database.</summary>
public sealed class SecretsOptions
{
    public const string Section = "Secrets";

    /// <summary>Base64 of the 32-byte AES-256 key that seals every secret written from now on (and opens them).</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// Base64 of 32-byte keys that sealed secrets before the current key: they only open. Kept while the API
    /// re-seals old rows under <see cref="Key"/>, then dropped.
    /// </summary>
    public string[] PreviousKeys { get; set; } = [];
}
