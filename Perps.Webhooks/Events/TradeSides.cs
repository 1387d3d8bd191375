namespace Perps.Webhooks.Events;

/// <summary>The sides of a perp position: what a trade's <c>side</c> is, and what a trade filter may name.</summary>
public static class TradeSides
{
    public const string Long = "long";
    public const string Short = "short";

    public static readonly IReadOnlyList<string> All = [Long, Short];

    public static bool IsKnown(string? side) => side is Long or Short;
}
