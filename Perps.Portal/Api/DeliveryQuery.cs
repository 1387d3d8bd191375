using Microsoft.AspNetCore.WebUtilities;

namespace Perps.Portal.Api;

/// <summary>One page of a webhook's delivery history: its filters and where it starts (the API's cursor).</summary>
public sealed record DeliveryQuery(string? Status = null, string? EventType = null, string? Cursor = null, int Limit = 20)
{
    public string ToQueryString()
    {
        var query = new Dictionary<string, string?> { ["limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(Status))
        {
            query["status"] = Status;
        }
        if (!string.IsNullOrEmpty(EventType))
        {
            query["event_type"] = EventType;
        }
        if (!string.IsNullOrEmpty(Cursor))
        {
            query["cursor"] = Cursor;
        }
        return QueryHelpers.AddQueryString("", query);
    }
}
