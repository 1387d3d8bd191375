using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Security;

/// <summary>
/// Endpoints that answer with bytes no HTTP server should send (see <see cref="HostileReceiver"/>): whatever they
/// send, their own deliveries end recorded with a clean, short error, the test button answers instead of failing,
/// and other tenants' deliveries keep flowing meanwhile.
/// </summary>
public sealed class HostileReceiverTests(PerpsAppFixture app)
{
    /// <summary>Longest recorded error or response body that counts as sane.</summary>
    private const int SaneTextLength = 1024;

    private const int NeighbourTrades = 5;
    private static readonly TimeSpan NeighbourTradeInterval = TimeSpan.FromMilliseconds(400);

    /// <summary>From its last trade, a healthy neighbour has every delivery succeeded within this.</summary>
    private static readonly TimeSpan NeighbourBound = TimeSpan.FromSeconds(10);

    /// <summary>Three attempts answered (or refused) at once, 1 s and 2 s apart, then recorded: well within this.</summary>
    private static readonly TimeSpan RecordedBound = TimeSpan.FromSeconds(15);

    /// <summary>Three attempts that each run into the 10 s delivery timeout, 1 s and 2 s apart: ~33 s.</summary>
    private static readonly TimeSpan TimedOutRecordedBound = TimeSpan.FromSeconds(45);

    /// <summary>The longest the test button may take: one attempt, bounded by the 10 s delivery timeout.</summary>
    private static readonly TimeSpan TestCallBound = TimeSpan.FromSeconds(30);

    /// <summary>When the caller of the test button hangs up (and not before its request reached the endpoint).</summary>
    private static readonly TimeSpan HangUpAfter = TimeSpan.FromMilliseconds(300);

    private enum Outcome { Succeeded, Failed, Either }

    /// <summary>
    /// What each reply must come to. A reply that is no valid HTTP answer, or not a 2xx, fails; one that .NET reads
    /// as a 2xx despite odd bytes (or an incomplete or endless body) may count either way, as long as it is recorded.
    /// </summary>
    private static readonly Dictionary<HostileReply, Outcome> Expected = new()
    {
        [HostileReply.Clean200] = Outcome.Succeeded,
        [HostileReply.NulInStatusLine] = Outcome.Failed,
        [HostileReply.ControlBytesInReasonPhrase] = Outcome.Either,
        [HostileReply.BareCarriageReturnInReasonPhrase] = Outcome.Failed,
        [HostileReply.ControlBytesInHeaderName] = Outcome.Failed,
        [HostileReply.NulInHeaderName] = Outcome.Failed,
        [HostileReply.ControlBytesInHeaderValue] = Outcome.Either,
        [HostileReply.NulInHeaderValue] = Outcome.Either,
        [HostileReply.BareCarriageReturnInHeaderValue] = Outcome.Either,
        [HostileReply.MalformedStatusCode] = Outcome.Failed,
        [HostileReply.GarbageStatusLine] = Outcome.Failed,
        [HostileReply.LongGarbageStatusLine] = Outcome.Failed,
        [HostileReply.BodyShorterThanContentLength] = Outcome.Either,
        [HostileReply.EndlessChunkedBody] = Outcome.Either,
        [HostileReply.EndlessBodyOfAnError] = Outcome.Failed,
        [HostileReply.ResetAfterStatusLine] = Outcome.Failed,
        [HostileReply.SlowHeaders] = Outcome.Failed,
        [HostileReply.HugeHeaderBlock] = Outcome.Failed,
        [HostileReply.BodyWithoutStatusLine] = Outcome.Failed,
    };

    /// <summary>
    /// Every reply at once (the slow one sets the pace, ~35 s): tenant A's webhook answers with the hostile bytes,
    /// tenant B's, on a healthy endpoint, gets trades before, during and after A's. Every broken expectation of
    /// every reply is listed in the one failure message.
    /// </summary>
    [Fact]
    public async Task HostileAnswersAreRecordedCleanlyAndNeverHoldUpAnotherTenantsDeliveries()
    {
        await using var hostile = new HostileReceiver().Start();
        var cases = await Task.WhenAll(Enum.GetValues<HostileReply>().Select(reply => ArrangeAsync(hostile, reply)));
        try
        {
            var problems = await Task.WhenAll(cases.Select(RunAsync));

            var report = cases.Zip(problems)
                .Where(pair => pair.Second.Count > 0)
                .Select(pair => $"{pair.First.Reply}:{string.Concat(pair.Second.Select(p => $"\n    - {p}"))}")
                .ToList();
            Assert.True(report.Count == 0,
                $"{report.Count} of {cases.Length} hostile replies broke an expectation:\n  {string.Join("\n  ", report)}");
        }
        finally
        {
            foreach (var c in cases)
            {
                c.Dispose();
            }
        }
    }

    /// <summary>The caller of the test button hangs up while the endpoint is still answering (it takes 3 s).</summary>
    [Fact]
    public async Task TestWhoseCallerHangsUpStillEndsInTheHistoryAndCanThenBeRedelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (200, TimeSpan.FromSeconds(3))));
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var startedAt = DateTimeOffset.UtcNow;

        var call = user.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, hangUp.Token);
        await app.Receiver.WaitForAsync(webhook.Url, 1, TimeSpan.FromSeconds(10)); // mid-request: sent, not yet answered
        var sinceStart = DateTimeOffset.UtcNow - startedAt;
        if (sinceStart < HangUpAfter)
        {
            await Task.Delay(HangUpAfter - sinceStart, ct);
        }
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // Bound: the 3 s answer, or a 10 s delivery timeout after a 30 s attempt lease if the dispatcher has to take it over.
        var finished = await Poll.UntilAsync(
            () => user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries"),
            list => list["deliveries"]!.AsArray() is [{ } only] && Status(only) != "pending",
            TimeSpan.FromSeconds(45),
            list => $"The test delivery did not end succeeded or failed: {list.ToJsonString()}",
            TimeSpan.FromMilliseconds(250));
        var delivery = finished["deliveries"]!.AsArray()[0]!;
        Assert.Contains(Status(delivery), new[] { "succeeded", "failed" });
        var sent = app.Receiver.Received(webhook.Url).Count;
        var redeliver = await user.Http.PostAsync(
            $"/api/webhooks/{webhook.Id}/deliveries/{delivery["id"]!.GetValue<string>()}/redeliver", null, ct);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        await app.Receiver.WaitForAsync(webhook.Url, sent + 1, TimeSpan.FromSeconds(10));
    }

    private async Task<HostileCase> ArrangeAsync(HostileReceiver hostile, HostileReply reply)
    {
        var hostileUser = await app.CreateUserAsync($"hostile {reply}");
        var neighbour = await app.CreateUserAsync($"neighbour of hostile {reply}");
        var hostileWallet = Wallets.NewAddress();
        var neighbourWallet = Wallets.NewAddress();
        await hostileUser.WatchAsync(hostileWallet);
        await neighbour.WatchAsync(neighbourWallet);
        var hostileWebhook = await hostileUser.CreateWebhookAsync(hostile.NewEndpoint(reply));
        var neighbourWebhook = await neighbour.CreateWebhookAsync(app.Receiver.NewEndpoint());
        return new(reply, hostile, hostileUser, hostileWallet, hostileWebhook, neighbour, neighbourWallet, neighbourWebhook);
    }

    /// <summary>Acts (trades for both tenants, then the hostile webhook's test button) and lists what went wrong.</summary>
    private async Task<List<string>> RunAsync(HostileCase c)
    {
        var hostileEvent = (await app.IngestAsync(Trades.Event(c.HostileWallet)))[0];
        for (var i = 0; i < NeighbourTrades; i++)
        {
            await Task.Delay(NeighbourTradeInterval, TestContext.Current.CancellationToken);
            await app.IngestAsync(Trades.Event(c.NeighbourWallet, i % 2 == 0 ? "trade.new" : "trade.close"));
        }
        var testCall = PressTestAsync(c);

        var checks = await Task.WhenAll(
            NeighbourProblemsAsync(c),
            TradeDeliveryProblemsAsync(c, hostileEvent),
            TestProblemsAsync(c, testCall));
        return checks.SelectMany(p => p).ToList();
    }

    private async Task<(HttpStatusCode Status, string Body)> PressTestAsync(HostileCase c)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TestCallBound);
        var response = await c.Hostile.Http.PostAsync($"/api/webhooks/{c.HostileWebhook.Id}/test", null, bound.Token);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(bound.Token));
    }

    /// <summary>(a) Every delivery of the healthy neighbour succeeded within <see cref="NeighbourBound"/>.</summary>
    private async Task<List<string>> NeighbourProblemsAsync(HostileCase c)
    {
        try
        {
            await Poll.UntilAsync(
                () => c.Neighbour.GetJsonAsync($"/api/webhooks/{c.NeighbourWebhook.Id}/deliveries"),
                list => list["deliveries"]!.AsArray() is { Count: NeighbourTrades } all && all.All(d => Status(d!) == "succeeded"),
                NeighbourBound,
                list => $"the healthy neighbour's deliveries were not all succeeded {NeighbourBound.TotalSeconds} s after its last trade: "
                    + $"[{string.Join(", ", list["deliveries"]!.AsArray().Select(d => Status(d!)))}] of {NeighbourTrades} trades, "
                    + $"its endpoint received {app.Receiver.Received(c.NeighbourWebhook.Url).Count} requests",
                TimeSpan.FromMilliseconds(250));
            return [];
        }
        catch (TimeoutException ex)
        {
            return [ex.Message];
        }
    }

    /// <summary>(b) The hostile trade delivery ends recorded, as expected, with clean and short error texts.</summary>
    private async Task<List<string>> TradeDeliveryProblemsAsync(HostileCase c, string eventId)
    {
        var bound = c.Reply == HostileReply.SlowHeaders ? TimedOutRecordedBound : RecordedBound;
        JsonNode? delivery;
        try
        {
            var list = await Poll.UntilAsync(
                () => c.Hostile.GetJsonAsync($"/api/webhooks/{c.HostileWebhook.Id}/deliveries"),
                list => ForEvent(list, eventId) is { } d && Status(d) != "pending",
                bound,
                list => ForEvent(list, eventId) is { } d
                    ? $"the trade delivery was still {Status(d)} after {bound.TotalSeconds} s: {Escape(d.ToJsonString())}"
                    : $"no trade delivery after {bound.TotalSeconds} s",
                TimeSpan.FromMilliseconds(250));
            delivery = ForEvent(list, eventId)!;
        }
        catch (TimeoutException ex)
        {
            return [$"{ex.Message} (the endpoint received {c.HostileRequests} requests)"];
        }

        var detail = await c.Hostile.GetJsonAsync($"/api/webhooks/{c.HostileWebhook.Id}/deliveries/{delivery["id"]!.GetValue<string>()}");
        var problems = new List<string>();
        var status = Status(detail["delivery"]!);
        if (!Matches(Expected[c.Reply], status == "succeeded"))
        {
            problems.Add($"the trade delivery ended {status}, expected {Expected[c.Reply]}: {Escape(detail.ToJsonString())}");
        }
        problems.AddRange(RecordedTextProblems("the trade delivery", detail));
        return problems;
    }

    /// <summary>(c) The test button answers 200 with the outcome (no 500), recorded like any delivery.</summary>
    private async Task<List<string>> TestProblemsAsync(HostileCase c, Task<(HttpStatusCode Status, string Body)> call)
    {
        (HttpStatusCode Status, string Body) answer;
        try
        {
            answer = await call;
        }
        catch (OperationCanceledException)
        {
            return [$"POST /test did not answer within {TestCallBound.TotalSeconds} s"];
        }
        if (answer.Status != HttpStatusCode.OK)
        {
            return [$"POST /test answered {(int)answer.Status}, not 200: {Escape(Cut(answer.Body, 300))}"];
        }

        var test = JsonNode.Parse(answer.Body)!["test"]!;
        var problems = new List<string>();
        var succeeded = test["succeeded"]!.GetValue<bool>();
        if (!Matches(Expected[c.Reply], succeeded))
        {
            problems.Add($"POST /test reported succeeded={succeeded}, expected {Expected[c.Reply]}: {Escape(Cut(answer.Body, 300))}");
        }
        problems.AddRange(TextProblems("POST /test's error", test["error"]));
        problems.AddRange(TextProblems("POST /test's response_body", test["response_body"]));
        var detail = await c.Hostile.GetJsonAsync($"/api/webhooks/{c.HostileWebhook.Id}/deliveries/{test["delivery_id"]!.GetValue<string>()}");
        var recorded = Status(detail["delivery"]!);
        if (recorded != (succeeded ? "succeeded" : "failed"))
        {
            problems.Add($"the test delivery is recorded {recorded} though POST /test reported succeeded={succeeded}");
        }
        problems.AddRange(RecordedTextProblems("the test delivery", detail));
        return problems;
    }

    private static IEnumerable<string> RecordedTextProblems(string what, JsonObject detail) =>
        TextProblems($"{what}'s last_error", detail["delivery"]!["last_error"])
            .Concat(detail["attempts"]!.AsArray().SelectMany(a =>
                TextProblems($"{what}'s attempt {a!["attempt"]} error", a["error"])
                    .Concat(TextProblems($"{what}'s attempt {a["attempt"]} response_body", a["response_body"]))));

    /// <summary>No control character (below U+0020, or U+007F) and at most <see cref="SaneTextLength"/> characters.</summary>
    private static IEnumerable<string> TextProblems(string what, JsonNode? node)
    {
        if (node?.GetValue<string>() is not { } text)
        {
            yield break;
        }
        var controls = text.Where(IsControl).Distinct().Select(ch => $"U+{(int)ch:X4}").ToList();
        if (controls.Count > 0)
        {
            yield return $"{what} holds control characters {string.Join(" ", controls)}: \"{Escape(Cut(text, 200))}\"";
        }
        if (text.Length > SaneTextLength)
        {
            yield return $"{what} is {text.Length} characters long (at most {SaneTextLength}): \"{Escape(Cut(text, 120))}\"";
        }
    }

    private static bool Matches(Outcome expected, bool succeeded) => expected switch
    {
        Outcome.Succeeded => succeeded,
        Outcome.Failed => !succeeded,
        _ => true,
    };

    private static JsonNode? ForEvent(JsonObject list, string eventId) =>
        list["deliveries"]!.AsArray().FirstOrDefault(d => d!["event_id"]!.GetValue<string>() == eventId);

    private static string Status(JsonNode delivery) => delivery["status"]!.GetValue<string>();

    private static bool IsControl(char ch) => ch < '\u0020' || ch == '\u007f';

    private static string Cut(string text, int length) => text.Length <= length ? text : $"{text[..length]}…";

    /// <summary>Shows control characters as \xNN, so a failure message quotes them without carrying them.</summary>
    private static string Escape(string text)
    {
        var shown = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            shown.Append(IsControl(ch) ? $"\\x{(int)ch:x2}" : ch.ToString());
        }
        return shown.ToString();
    }

    private sealed record HostileCase(
        HostileReply Reply,
        HostileReceiver Receiver,
        UserClient Hostile,
        string HostileWallet,
        CreatedWebhook HostileWebhook,
        UserClient Neighbour,
        string NeighbourWallet,
        CreatedWebhook NeighbourWebhook) : IDisposable
    {
        public int HostileRequests => Receiver.Received(HostileWebhook.Url).Count;

        public void Dispose()
        {
            Hostile.Dispose();
            Neighbour.Dispose();
        }
    }
}
