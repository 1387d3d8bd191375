using System.Globalization;

namespace Perps.Portal.Components.Shared;

/// <summary>How times, durations and rates read everywhere in the portal: UTC, so every user and log agree.</summary>
public static class Format
{
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    public static string Duration(double? milliseconds) =>
        milliseconds is { } ms ? ms >= 1000 ? $"{ms / 1000:0.00} s" : $"{ms:0.#} ms" : "–";

    public static string Rate(double? rate) => rate is { } r ? $"{r * 100:0.#}%" : "–";

    public static string Usd(double? value) => value is { } v ? v.ToString("$#,0.00;-$#,0.00", CultureInfo.InvariantCulture) : "–";

    public static string Number(double value) => value.ToString("#,0.####", CultureInfo.InvariantCulture);
}
