using Perps.Tests.Infrastructure;
using Perps.Webhooks.Signing;

namespace Perps.Tests.Security;

/// <summary>
/// Rotating the key that seals webhook secrets, over real HTTP and Postgres, in an app started with a new key B
/// and the old key A as previous: rows A sealed still sign deliveries, and the API re-seals them under B.
/// </summary>
public sealed class KeyRotationTests(KeyRotationAppFixture rotation) : IClassFixture<KeyRotationAppFixture>
{
    [Fact]
    public async Task NewWebhookIsSealedUnderTheCurrentKeyForItsOwnId()
    {
        using var user = await rotation.CreateUserAsync();

        var webhook = await user.CreateWebhookAsync(rotation.Receiver.NewEndpoint());

        var blob = await rotation.ReadSealedSecretAsync(webhook.Id);
        Assert.Equal(SealedSecrets.KeyId(rotation.KeyB), blob[4..8]);
        Assert.Equal(webhook.Secret, SealedSecrets.Protector(rotation.KeyB).Open(blob, webhook.Id));
    }

    [Theory]
    [InlineData("sealed under the previous key")]
    [InlineData("legacy format")]
    public async Task OldRowStillSignsDeliveriesAndIsResealedUnderTheNewKey(string row)
    {
        using var user = await rotation.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(rotation.Receiver.NewEndpoint(), "trade.new");
        var oldSecret = WebhookSignature.NewSecret();
        await rotation.WriteSealedSecretAsync(webhook.Id, row == "legacy format"
            ? SealedSecrets.SealLegacy(rotation.KeyA, oldSecret)
            : SealedSecrets.Protector(rotation.KeyA).Seal(oldSecret, webhook.Id));

        await rotation.IngestAsync(Trades.Event(wallet));

        // Signed with the secret the row holds, whether the dispatcher opened it under A or after its re-seal under B.
        var request = (await rotation.Receiver.WaitForAsync(webhook.Url, 1))[0];
        Assert.True(Signatures.VerifiesRaw(request, oldSecret));
        Assert.True(Signatures.VerifiesStandard(request, oldSecret));
        var resealed = await Poll.UntilAsync(() => rotation.ReadSealedSecretAsync(webhook.Id),
            blob => blob.Length > 8 && blob[4..8].SequenceEqual(SealedSecrets.KeyId(rotation.KeyB)), TimeSpan.FromSeconds(20),
            blob => $"the row is still not sealed under the new key: {Convert.ToHexString(blob.AsSpan(0, Math.Min(8, blob.Length)))}…");
        Assert.Equal(oldSecret, SealedSecrets.Protector(rotation.KeyB).Open(resealed, webhook.Id)); // key A can now go
    }

    [Fact]
    public async Task APreviousSecretInItsGracePeriodStillSignsAndIsResealedUnderTheNewKey()
    {
        using var user = await rotation.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(rotation.Receiver.NewEndpoint(), "trade.new");
        var previous = WebhookSignature.NewSecret();
        await using (var write = rotation.Database.CreateCommand(
            "UPDATE webhooks SET previous_secret = $2, previous_secret_expires_at = now() + interval '1 hour' WHERE id = $1"))
        {
            write.Parameters.Add(new() { Value = webhook.Id });
            write.Parameters.Add(new() { Value = SealedSecrets.Protector(rotation.KeyA).Seal(previous, webhook.Id) });
            await write.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await rotation.IngestAsync(Trades.Event(wallet));

        var request = (await rotation.Receiver.WaitForAsync(webhook.Url, 1))[0];
        Assert.True(Signatures.VerifiesStandard(request, webhook.Secret));
        Assert.True(Signatures.VerifiesStandard(request, previous));
        await Poll.UntilAsync(async () =>
            {
                await using var read = rotation.Database.CreateCommand("SELECT previous_secret FROM webhooks WHERE id = $1");
                read.Parameters.Add(new() { Value = webhook.Id });
                return (byte[])(await read.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            },
            blob => blob[4..8].SequenceEqual(SealedSecrets.KeyId(rotation.KeyB)) && SealedSecrets.Protector(rotation.KeyB).Open(blob, webhook.Id) == previous,
            TimeSpan.FromSeconds(20), _ => "the previous secret is still not sealed under the new key");
    }
}
