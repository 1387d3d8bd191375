using Npgsql;

namespace Perps.Api.Data;

/// <summary>What an add under a per-key quota did.</summary>
internal abstract record Added<T>
{
    public sealed record Created(T Value) : Added<T>;

    public sealed record AlreadyThere : Added<T>;

    /// <summary>Nothing was added: the key already owns <paramref name="Count"/> rows and may own <paramref name="Limit"/>.</summary>
    public sealed record QuotaReached(long Count, int Limit) : Added<T>;
}

internal static class KeyQuota
{
    /// <summary>
    /// Locks the owner's <c>api_keys</c> row for the rest of <paramref name="transaction"/>, so adds for one key run one
    /// at a time and a count taken after this stays true until commit: concurrent creates cannot pass the quota.
    /// FOR NO KEY UPDATE does not block the foreign-key checks of inserts, nor anyone's reads (authentication).
    /// The count must be a statement of its own, after this one: a statement's snapshot is taken before it waits.
    /// </summary>
    public static async Task LockOwnerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string apiKeyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1 FROM api_keys WHERE id = $1 FOR NO KEY UPDATE", connection, transaction);
        command.Parameters.Add(new() { Value = apiKeyId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
