using System.Security.Cryptography;
using Perps.Tests.Infrastructure;
using Perps.Webhooks;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Signing;

namespace Perps.Tests.Security;

/// <summary>Webhook secrets at rest, without the app: the blob format, what opens it, and what must not.</summary>
public sealed class SecretProtectorTests
{
    private readonly string _keyA = SealedSecrets.NewKey();
    private readonly string _keyB = SealedSecrets.NewKey();
    private readonly string _secret = WebhookSignature.NewSecret();
    private readonly string _webhookId = Ids.New(Ids.Webhook);

    [Fact]
    public void SealedSecretOpensForTheWebhookItWasSealedFor()
    {
        var protector = SealedSecrets.Protector(_keyA);

        var blob = protector.Seal(_secret, _webhookId);

        Assert.Equal(_secret, protector.Open(blob, _webhookId));
        Assert.True(protector.IsSealedUnderCurrentKey(blob));
    }

    [Fact]
    public void TheSenderKeepsAnOpenedSecretOnlyForTheBlobItWasOpenedFrom()
    {
        var protector = SealedSecrets.Protector(_keyA);
        var opened = new OpenedSecrets(protector);
        var rotated = WebhookSignature.NewSecret();

        Assert.Equal(_secret, opened.Open(protector.Seal(_secret, _webhookId), _webhookId));
        Assert.Equal(rotated, opened.Open(protector.Seal(rotated, _webhookId), _webhookId)); // a rotation: new bytes, opened afresh
        Assert.True(opened.TryOpenPrevious(protector.Seal(_secret, _webhookId), _webhookId, out var previous));
        Assert.Equal(_secret, previous);
        Assert.Equal(rotated, opened.Open(protector.Seal(rotated, _webhookId), _webhookId)); // the previous one has its own place

        var otherWebhook = Ids.New(Ids.Webhook);
        Assert.Throws<CryptographicException>(() => opened.Open(protector.Seal(rotated, otherWebhook), _webhookId));
        Assert.False(opened.TryOpenPrevious(SealedSecrets.Protector(_keyB).Seal(_secret, _webhookId), _webhookId, out _));
    }

    [Fact]
    public void BlobIsMagicVersionKeyIdNonceTagCiphertext()
    {
        var blob = SealedSecrets.Protector(_keyA).Seal(_secret, _webhookId);

        Assert.Equal("PSK"u8.ToArray(), blob[..3]);
        Assert.Equal(1, blob[3]);
        Assert.Equal(SealedSecrets.KeyId(_keyA), blob[4..8]);
        Assert.Equal(8 + 12 + 16 + _secret.Length, blob.Length);
        Assert.DoesNotContain(_secret, System.Text.Encoding.UTF8.GetString(blob), StringComparison.Ordinal);
    }

    [Fact]
    public void SealingTwiceGivesDifferentBlobs()
    {
        var protector = SealedSecrets.Protector(_keyA);

        Assert.NotEqual(protector.Seal(_secret, _webhookId), protector.Seal(_secret, _webhookId));
    }

    [Fact]
    public void SealedSecretDoesNotOpenForAnotherWebhookId()
    {
        var protector = SealedSecrets.Protector(_keyA);
        var blob = protector.Seal(_secret, _webhookId);

        Assert.False(protector.TryOpen(blob, Ids.New(Ids.Webhook), out _));
        Assert.Throws<CryptographicException>(() => protector.Open(blob, Ids.New(Ids.Webhook)));
    }

    [Fact]
    public void BlobsSwappedBetweenTwoWebhooksDoNotOpen()
    {
        var protector = SealedSecrets.Protector(_keyA);
        var otherId = Ids.New(Ids.Webhook);
        var mine = protector.Seal(_secret, _webhookId);
        var theirs = protector.Seal(WebhookSignature.NewSecret(), otherId);

        // Someone with write access to the database copies one row's secret onto the other.
        Assert.False(protector.TryOpen(theirs, _webhookId, out _));
        Assert.False(protector.TryOpen(mine, otherId, out _));
    }

    [Fact]
    public void SecretSealedUnderAPreviousKeyOpensAndIsMarkedForReseal()
    {
        var blob = SealedSecrets.Protector(_keyA).Seal(_secret, _webhookId);
        var rotated = SealedSecrets.Protector(_keyB, _keyA);

        Assert.Equal(_secret, rotated.Open(blob, _webhookId));
        Assert.False(rotated.IsSealedUnderCurrentKey(blob));
        var resealed = rotated.Seal(rotated.Open(blob, _webhookId), _webhookId);
        Assert.Equal(SealedSecrets.KeyId(_keyB), resealed[4..8]);
        Assert.Equal(_secret, SealedSecrets.Protector(_keyB).Open(resealed, _webhookId)); // the old key is no longer needed
    }

    [Fact]
    public void SecretSealedUnderAKeyNoLongerConfiguredDoesNotOpen()
    {
        var blob = SealedSecrets.Protector(_keyA).Seal(_secret, _webhookId);

        Assert.False(SealedSecrets.Protector(_keyB).TryOpen(blob, _webhookId, out _));
    }

    [Fact]
    public void LegacyBlobOpensUnderTheCurrentKeyAndIsMarkedForReseal()
    {
        var legacy = SealedSecrets.SealLegacy(_keyA, _secret);
        var protector = SealedSecrets.Protector(_keyA);

        Assert.Equal(_secret, protector.Open(legacy, _webhookId));
        Assert.False(protector.IsSealedUnderCurrentKey(legacy));
    }

    [Fact]
    public void LegacyBlobOpensUnderAPreviousKey()
    {
        var legacy = SealedSecrets.SealLegacy(_keyA, _secret);

        Assert.Equal(_secret, SealedSecrets.Protector(_keyB, _keyA).Open(legacy, _webhookId));
    }

    [Fact]
    public void LegacyBlobThatBeginsWithTheHeaderByChanceStillOpens()
    {
        var protector = SealedSecrets.Protector(_keyA);
        // A legacy nonce is random: about 1 in 2^32 of them begins with the magic and version, a few with the key id too.
        var legacy = SealedSecrets.SealLegacy(_keyA, _secret, [.. protector.CurrentHeader, 1, 2, 3, 4]);

        Assert.Equal(_secret, protector.Open(legacy, _webhookId));
    }

    [Theory]
    [InlineData(0)] // magic
    [InlineData(3)] // version
    [InlineData(5)] // key id
    [InlineData(10)] // nonce
    [InlineData(25)] // tag
    [InlineData(40)] // ciphertext
    [InlineData(-1)] // last byte
    public void AlteredBlobDoesNotOpen(int position)
    {
        var protector = SealedSecrets.Protector(_keyB, _keyA);
        var blob = protector.Seal(_secret, _webhookId);

        blob[position < 0 ? blob.Length + position : position] ^= 0x01;

        Assert.False(protector.TryOpen(blob, _webhookId, out _));
    }

    [Fact]
    public void TruncatedBlobDoesNotOpen()
    {
        var protector = SealedSecrets.Protector(_keyA);
        var blob = protector.Seal(_secret, _webhookId);

        Assert.False(protector.TryOpen(blob[..^1], _webhookId, out _));
        Assert.False(protector.TryOpen(blob[..20], _webhookId, out _));
        Assert.False(protector.TryOpen([], _webhookId, out _));
    }
}
