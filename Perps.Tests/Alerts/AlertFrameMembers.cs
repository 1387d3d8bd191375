using System.Text.Json.Nodes;

namespace Perps.Tests.Alerts;

/// <summary>The string members the alert tests compare: a frame's type, an alert's id and cursor.</summary>
internal static class AlertFrameMembers
{
    public static string String(this JsonObject frame, string member) =>
        frame[member]?.GetValue<string>() ?? throw new InvalidOperationException($"No \"{member}\" in {frame.ToJsonString()}");

    public static List<string> Ids(this IEnumerable<JsonObject> alerts) => alerts.Select(a => a.String("id")).ToList();
}
