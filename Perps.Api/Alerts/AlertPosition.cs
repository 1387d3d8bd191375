using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Perps.Api.Alerts;

/// <summary>
/// An event's place in the alert log: the id of the transaction that stored it, then its sequence number. Every
/// connection receives its alerts in this order, and a cursor is a position.
/// </summary>
public readonly record struct AlertPosition(long Xid, long Seq) : IComparable<AlertPosition>
{
    public static readonly AlertPosition Start = new(0, 0);

    public int CompareTo(AlertPosition other) => Xid != other.Xid ? Xid.CompareTo(other.Xid) : Seq.CompareTo(other.Seq);

    public static bool operator <(AlertPosition a, AlertPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(AlertPosition a, AlertPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(AlertPosition a, AlertPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(AlertPosition a, AlertPosition b) => a.CompareTo(b) >= 0;
}

/// <summary>
/// The cursor a client keeps: <c>{epoch}.{xid}.{seq}</c> in hex. The epoch names the event log, so a cursor from a
/// log that was lost (a new database) is told apart from one of this log. Clients treat it as opaque.
/// </summary>
public static class AlertCursor
{
    public static string Format(string epoch, AlertPosition position) =>
        string.Create(CultureInfo.InvariantCulture, $"{epoch}.{position.Xid:x}.{position.Seq:x}");

    public static bool TryParse(string? cursor, [NotNullWhen(true)] out string? epoch, out AlertPosition position)
    {
        epoch = null;
        position = default;
        if (cursor is not { Length: > 0 and <= 80 } || cursor.Split('.') is not [var e, var xid, var seq] || e.Length == 0)
        {
            return false;
        }
        if (!long.TryParse(xid, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var x) || x < 0
            || !long.TryParse(seq, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var s) || s < 0)
        {
            return false;
        }
        epoch = e;
        position = new AlertPosition(x, s);
        return true;
    }
}
