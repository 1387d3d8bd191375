using Perps.Webhooks.Delivery;

namespace Perps.Tests.Delivery;

/// <summary>What a receiver sends back is stored and shown only once cleaned: Postgres and the UI get plain text.</summary>
public sealed class ReceiverTextTests
{
    [Theory]
    [InlineData("200 O\0K", "200 O\uFFFDK")]
    [InlineData("a\u0001b\u001bc\u007fd", "a\uFFFDb\uFFFDc\uFFFDd")]
    [InlineData("line\r\nbreak\ttab", "line  break tab")]
    [InlineData("\u0085next\u2028sep", "\uFFFDnext\uFFFDsep")]
    [InlineData("pair \uD83D\uDE00 kept", "pair \uD83D\uDE00 kept")]
    [InlineData("plain text, ünïcode", "plain text, ünïcode")]
    public void ControlCharactersAreReplaced(string received, string stored) =>
        Assert.Equal(stored, ReceiverText.Clean(received, 100));

    [Fact]
    public void UnpairedSurrogatesAreReplaced()
    {
        // Built in code: attribute arguments cannot carry a lone surrogate intact.
        Assert.Equal("lone \uFFFD high", ReceiverText.Clean("lone " + (char)0xD800 + " high", 100));
        Assert.Equal("lone \uFFFD low", ReceiverText.Clean("lone " + (char)0xDC00 + " low", 100));
        Assert.Equal("\uFFFD\uFFFD", ReceiverText.Clean(new string([(char)0xDC00, (char)0xD800]), 100));
    }

    [Fact]
    public void LongTextIsCutAtTheLimitAndMarked()
    {
        var clean = ReceiverText.Clean(new string('x', 5000), ReceiverText.MaxErrorLength)!;
        Assert.Equal(ReceiverText.MaxErrorLength + 1, clean.Length);
        Assert.EndsWith("…", clean);
    }

    [Fact]
    public void SurrogatePairAtTheLimitIsDroppedWholeNotSplit()
    {
        var clean = ReceiverText.Clean("abc\uD83D\uDE00", 4)!;
        Assert.Equal("abc…", clean);
    }

    [Fact]
    public void AttemptOutcomeCleansItsErrorAndBody()
    {
        var outcome = new AttemptOutcome(DateTimeOffset.UtcNow, null, TimeSpan.Zero, "bad\0status", new string('\0', 4000), null);
        Assert.Equal("bad\uFFFDstatus", outcome.Error);
        Assert.Equal(ReceiverText.MaxBodyLength + 1, outcome.ResponseBody!.Length);
        Assert.DoesNotContain('\0', outcome.ResponseBody);
    }
}
