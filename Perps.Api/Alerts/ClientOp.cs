using System.Text.Json;
using Perps.Api.Contracts;
using Perps.Webhooks.Events;

namespace Perps.Api.Alerts;

/// <summary>A client's text frame, read strictly: an object with a known <c>op</c> and exactly its members.</summary>
internal abstract record ClientOp
{
    public sealed record Ping : ClientOp;
    public sealed record Subscribe(IReadOnlyList<string> Events, TradeFilters? Filters = null) : ClientOp;
    public sealed record Resume(string Cursor) : ClientOp;
    public sealed record Auth(string ApiKey) : ClientOp;
    public sealed record Invalid(string Message) : ClientOp;

    public static ClientOp Parse(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 4, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return new Invalid("The frame is not valid JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
            {
                return new Invalid("A frame must be a JSON object with a string \"op\": ping, subscribe or resume.");
            }
            return op.GetString() switch
            {
                "ping" => Only(root, [], new Ping()),
                "subscribe" => ReadSubscribe(root),
                "resume" => String(root, "cursor") is { } cursor ? Only(root, ["cursor"], new Resume(cursor))
                    : new Invalid("resume needs \"cursor\": the cursor of the last alert you processed."),
                "auth" => String(root, "api_key") is { } key ? Only(root, ["api_key"], new Auth(key))
                    : new Invalid("auth needs \"api_key\"."),
                var other => new Invalid($"Unknown op '{Shorten(other)}': use ping, subscribe or resume."),
            };
        }
    }

    private static ClientOp ReadSubscribe(JsonElement root)
    {
        if (!root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array
            || events.GetArrayLength() is 0 or > 16)
        {
            return new Invalid($"subscribe needs \"events\": a non-empty array of {string.Join(", ", EventTypes.All)}.");
        }
        var chosen = new List<string>();
        foreach (var item in events.EnumerateArray())
        {
            var type = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (!EventTypes.IsKnown(type))
            {
                return new Invalid($"Unknown event type {Shorten(item.GetRawText())}: use {string.Join(", ", EventTypes.All)}.");
            }
            chosen.Add(type!);
        }
        TradeFilters? filters = null;
        if (root.TryGetProperty("filters", out var given))
        {
            (filters, var error) = TradeFilterMatch.Read(given);
            if (error is not null)
            {
                return new Invalid(error);
            }
        }
        return Only(root, ["events", "filters"], new Subscribe(EventTypes.All.Where(chosen.Contains).ToList(), filters));
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ClientOp Only(JsonElement root, string[] members, ClientOp op)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != "op" && !members.Contains(property.Name))
            {
                return new Invalid($"Unexpected member '{Shorten(property.Name)}'.");
            }
        }
        return op;
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 40 ? text[..40] + "…" : text;
}
