using Microsoft.Extensions.Options;

namespace Perps.Webhooks.Secrets;

/// <summary>
/// Every key must be the base64 of exactly 32 bytes, checked at start (ValidateOnStart): a bad key stops the
/// process with this message, rather than answering 500 at the first webhook created or delivered.
/// </summary>
internal sealed class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        var failures = new List<string>();
        if (Problem(options.Key) is { } problem)
        {
            failures.Add($"Secrets:Key {problem}");
        }
        for (var i = 0; i < options.PreviousKeys.Length; i++)
        {
            if (Problem(options.PreviousKeys[i]) is { } previousProblem)
            {
                failures.Add($"Secrets:PreviousKeys:{i} {previousProblem}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with a key, never the key itself (messages reach logs).</summary>
    private static string? Problem(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "is missing: it must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`).";
        }
        var bytes = new byte[key.Length];
        if (!Convert.TryFromBase64String(key, bytes, out var length))
        {
            return "is not valid base64: it must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`).";
        }
        return length == SecretKey.Size
            ? null
            : $"decodes to {length} bytes: it must be the base64 of exactly {SecretKey.Size} bytes (e.g. `openssl rand -base64 32`).";
    }
}
