using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Perps.Api.Data;

/// <summary>Where a page of the delivery history ends: opaque to users, base64url of "ticks:id".</summary>
internal sealed record DeliveryCursor(DateTimeOffset CreatedAt, string Id)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{CreatedAt.UtcTicks}:{Id}"));

    public static bool TryDecode(string? value, out DeliveryCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
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
