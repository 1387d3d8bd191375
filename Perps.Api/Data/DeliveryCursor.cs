using System.Globalization;
using System.Text;

namespace Perps.Api.Data;

/// <summary>Where a page of the delivery history ends: opaque to users, base64url of "ticks:id".</summary>
internal sealed record DeliveryCursor(DateTimeOffset CreatedAt, string Id)
{
    public string Encode() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{CreatedAt.UtcTicks}:{Id}"))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? value, out DeliveryCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }
        try
        {
            var base64 = value.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks is >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks)
            {
                cursor = new DeliveryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
                return true;
            }
        }
        catch (FormatException)
        {
        }
        return false;
    }
}
