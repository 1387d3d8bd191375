using System.Net;
using Bunit;
using Perps.Portal.Api;
using Perps.Portal.Components.Shared;

namespace Perps.Tests.Portal;

/// <summary>The portal's components that draw or word something on their own, rendered by bUnit (no app, no browser).</summary>
public sealed class PortalComponentTests : BunitContext
{
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void DeliveryChartStacksEachMinutesOutcomesScaledToTheBusiestMinute()
    {
        var minutes = Enumerable.Range(0, 60).Select(i => new MinuteCounts(Start.AddMinutes(i), 0, 0, 0, 0)).ToList();
        minutes[10] = minutes[10] with { Succeeded = 3, Failed = 1 };
        minutes[20] = minutes[20] with { Succeeded = 2 };

        var chart = Render<DeliveryChart>(p => p.Add(c => c.Minutes, minutes));

        var succeeded = chart.FindAll("rect.bar.succeeded");
        var failed = chart.FindAll("rect.bar.failed");
        Assert.Equal(2, succeeded.Count);
        Assert.Single(failed);
        // The busiest minute (4) fills the 150-unit plot: 3 of 4 is 112.5, the failed one stacked on top 37.5.
        Assert.Equal("112.5", succeeded[0].GetAttribute("height"));
        Assert.Equal("37.5", failed[0].GetAttribute("height"));
        Assert.Equal("0", failed[0].GetAttribute("y"));
        Assert.Equal("75", succeeded[1].GetAttribute("height"));
        Assert.Contains("5 succeeded, 1 failed, 0 pending, 0 skipped; at most 4 in one minute", chart.Find("desc").TextContent, StringComparison.Ordinal);
        Assert.Contains("10:10 UTC: 3 succeeded", succeeded[0].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryChartOfAQuietHourDrawsNoBars()
    {
        var minutes = Enumerable.Range(0, 60).Select(i => new MinuteCounts(Start.AddMinutes(i), 0, 0, 0, 0)).ToList();

        var chart = Render<DeliveryChart>(p => p.Add(c => c.Minutes, minutes));

        Assert.Empty(chart.FindAll("rect.bar"));
        Assert.Contains("0 succeeded", chart.Find("desc").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void DurationFiguresShowTheMedianAndP99OnOneScale()
    {
        var figures = Render<DurationFigures>(p => p.Add(c => c.Durations, new AttemptDurations(40, 12.5, 1500)));

        var rows = figures.FindAll(".duration-row");
        Assert.Equal("p50", rows[0].QuerySelector("dt")!.TextContent);
        Assert.Equal("12.5 ms", rows[0].QuerySelector(".duration-value")!.TextContent);
        Assert.Equal("1.50 s", rows[1].QuerySelector(".duration-value")!.TextContent);
        Assert.Equal("200", rows[1].QuerySelector("rect")!.GetAttribute("width"));
        Assert.Equal("2", rows[0].QuerySelector("rect")!.GetAttribute("width")); // 1.7 units, drawn at the 2 that stays visible
    }

    [Fact]
    public void SecretBoxShowsTheSecretWithACopyButtonAndTheGuidesWarning()
    {
        var dismissed = false;
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6k7Ajqy3S7o=";

        var box = Render<SecretBox>(p => p.Add(c => c.Secret, secret).Add(c => c.OnDismiss, () => dismissed = true));

        Assert.Equal(secret, box.Find("#webhook-secret").GetAttribute("value"));
        Assert.NotNull(box.Find("input#webhook-secret[readonly]"));
        Assert.Equal("Signing secret", box.Find("label[for=webhook-secret]").TextContent);
        Assert.NotNull(box.Find("button[data-copy-target=webhook-secret]"));
        Assert.Contains("Save your secret - it will only be shown once!", box.Find(".warning").TextContent, StringComparison.Ordinal);
        box.Find("button.secondary").Click();
        Assert.True(dismissed);
    }

    [Fact]
    public void FieldErrorsShowOnlyTheirFieldsMessagesAndProblemMessageTheRest()
    {
        var problem = new ApiProblem(HttpStatusCode.BadRequest, "One or more validation errors occurred.", "url: must use https",
            new Dictionary<string, string[]> { ["url"] = ["must use https"] });

        var url = Render<FieldErrors>(p => p.Add(c => c.Problem, problem).Add(c => c.Field, "url"));
        var events = Render<FieldErrors>(p => p.Add(c => c.Problem, problem).Add(c => c.Field, "events"));
        var general = Render<ProblemMessage>(p => p.Add(c => c.Problem, problem).Add(c => c.Fields, new[] { "url", "events" }));

        Assert.Equal("must use https", url.Find("li").TextContent);
        Assert.Empty(events.Markup.Trim());
        Assert.Empty(general.Markup.Trim());
    }

    [Fact]
    public void ProblemWithoutErrorsNamesItsFieldThroughItsDetail()
    {
        var problem = new ApiProblem(HttpStatusCode.BadRequest, "Invalid request", "status: must be one of pending, succeeded", new Dictionary<string, string[]>());

        Assert.Equal(new[] { "must be one of pending, succeeded" }, problem.For("status"));
        Assert.Empty(problem.For("event_type"));
        Assert.Equal("status: must be one of pending, succeeded", problem.Message);
    }
}
