using System.Buffers;
using System.Text;
using System.Text.Json;
using Perps.Api.Contracts;

namespace Perps.Api.Alerts;

/// <summary>An alert built once per event and shared by every connection it goes to.</summary>
internal sealed record AlertFrame(byte[] Utf8, AlertPosition Position, string Type, DateTimeOffset StoredAt);

/// <summary>
/// What the server writes, as UTF-8 JSON text frames. An alert is the event's webhook body byte for byte with a
/// <c>cursor</c> member appended, so one type parses both channels; every other frame has a <c>type</c>.
/// </summary>
internal static class AlertFrames
{
    public static AlertFrame Alert(LoggedEvent e, string epoch) =>
        new(Encoding.UTF8.GetBytes(AlertText(e, epoch)), e.Position, e.Type, e.StoredAt);

    /// <summary>The alert as text: the body is compact JSON ending in '}', and the cursor goes in as its last member.</summary>
    public static string AlertText(LoggedEvent e, string epoch) =>
        string.Concat(e.Body.AsSpan(0, e.Body.Length - 1), ",\"cursor\":\"", AlertCursor.Format(epoch, e.Position), "\"}");

    public static byte[] Welcome(string connectionId, IEnumerable<string> events, string cursor) => Write(w =>
    {
        w.WriteString("type", "welcome");
        w.WriteString("connection_id", connectionId);
        WriteEvents(w, events);
        w.WriteString("cursor", cursor);
    });

    /// <summary>The subscription now in force; <c>filters</c> only when the subscribe op set some.</summary>
    public static byte[] Subscribed(IEnumerable<string> events, TradeFilters? filters) => Write(w =>
    {
        w.WriteString("type", "subscribed");
        WriteEvents(w, events);
        if (filters is not null)
        {
            w.WritePropertyName("filters");
            JsonSerializer.Serialize(w, filters, TradeFilterMatch.Json);
        }
    });

    public static byte[] Resumed(string cursor) => Write(w =>
    {
        w.WriteString("type", "resumed");
        w.WriteString("cursor", cursor);
    });

    /// <summary>The resume cursor cannot be served: alerts continue live after <paramref name="cursor"/>.</summary>
    public static byte[] ResyncRequired(string reason, string cursor) => Write(w =>
    {
        w.WriteString("type", "resync_required");
        w.WriteString("reason", reason);
        w.WriteString("cursor", cursor);
    });

    public static readonly byte[] Pong = Write(w => w.WriteString("type", "pong"));

    public static byte[] Error(string message) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("message", message);
    });

    private static void WriteEvents(Utf8JsonWriter w, IEnumerable<string> events)
    {
        w.WriteStartArray("events");
        foreach (var type in events)
        {
            w.WriteStringValue(type);
        }
        w.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
