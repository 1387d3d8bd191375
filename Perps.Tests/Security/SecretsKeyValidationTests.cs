using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Perps.Webhooks;

namespace Perps.Tests.Security;

/// <summary>A bad secrets key stops the process at start, with a message naming the setting and never its value.</summary>
public sealed class SecretsKeyValidationTests
{
    private static readonly string GoodKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData("", "Secrets:Key is missing")]
    [InlineData("not base64 at all!", "Secrets:Key is not valid base64")]
    [InlineData("c2hvcnQta2V5", "Secrets:Key decodes to 9 bytes")]
    [InlineData("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1", "Secrets:Key decodes to 36 bytes")]
    public async Task BadCurrentKeyFailsAtStart(string key, string expected)
    {
        var failure = await StartAsync(new() { ["Secrets:Key"] = key });

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        if (key.Length > 0)
        {
            Assert.DoesNotContain(key, failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadPreviousKeyFailsAtStartNamingItsIndex()
    {
        var failure = await StartAsync(new()
        {
            ["Secrets:Key"] = GoodKey,
            ["Secrets:PreviousKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Secrets:PreviousKeys:1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        });

        Assert.Contains("Secrets:PreviousKeys:1 decodes to 16 bytes", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Secrets:PreviousKeys:0", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoodKeysStart()
    {
        using var host = Build(new()
        {
            ["Secrets:Key"] = GoodKey,
            ["Secrets:PreviousKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });

        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<OptionsValidationException> StartAsync(Dictionary<string, string?> settings)
    {
        using var host = Build(settings);
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>The registrations the API and the dispatcher make, with only the given configuration.</summary>
    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddWebhookDelivery();
        return builder.Build();
    }
}
