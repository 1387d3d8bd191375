using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Perps.Webhooks;

/// <summary>
/// Prefixed identifiers that sort by creation time, as UUIDv7 and Svix's KSUIDs do: <c>wh_…</c>, <c>evt_…</c>,
/// <c>dlv_…</c>, <c>key_…</c>, <c>batch_…</c>, then 12 hex digits of Unix milliseconds and 20 of randomness (80
/// bits). A table keyed by them takes new rows at the end of its primary-key index, not on a random page of it, so an
/// insert touches the same few index pages however large the table has grown. A delivery's id is made alike from its pair (see
/// <c>EventFanOut</c>): its event's time, then a hash of the pair.
/// </summary>
public static class Ids
{
    public const string Webhook = "wh";
    public const string Event = "evt";
    public const string Delivery = "dlv";
    public const string ApiKey = "key";

    /// <summary>The events one ingest request stored, awaiting fan-out together (a row of <c>fan_out_awaiting</c>).</summary>
    public const string Batch = "batch";

    public static string New(string prefix)
    {
        Span<byte> id = stackalloc byte[16];
        Span<byte> milliseconds = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(milliseconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        milliseconds[2..].CopyTo(id); // the low 48 bits: enough until the year 10889
        RandomNumberGenerator.Fill(id[6..]);
        return $"{prefix}_{Convert.ToHexStringLower(id)}";
    }
}
