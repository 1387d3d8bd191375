using System.Net;

namespace Perps.Portal.Api;

/// <summary>
/// What the API refused, from its problem details: the message to show, and the validation messages per field (as
/// the API names the fields: <c>url</c>, <c>events</c>, <c>address</c>) to show next to each.
/// </summary>
public sealed record ApiProblem(HttpStatusCode Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    public string Message => string.IsNullOrWhiteSpace(Detail) ? Title : Detail;

    /// <summary>The messages about one field; a problem without <c>errors</c> whose detail starts "field:" counts too.</summary>
    public IReadOnlyList<string> For(string field)
    {
        if (Errors.TryGetValue(field, out var messages))
        {
            return messages;
        }
        return Detail is not null && Detail.StartsWith(field + ":", StringComparison.Ordinal) ? [Detail[(field.Length + 1)..].Trim()] : [];
    }

    public static ApiProblem Unreachable(string message) =>
        new(HttpStatusCode.ServiceUnavailable, "The Perps API could not be reached", message, new Dictionary<string, string[]>());
}

/// <summary>An API answer: its value, or the problem it reported.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Succeeded => Problem is null;
}
