namespace Perps.Api.Validation;

/// <summary>Field → messages, in the shape of a validation problem's <c>errors</c>.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>The first problem in words, for the problem's <c>detail</c>.</summary>
    public string Summary()
    {
        var (field, messages) = _errors.First();
        var more = _errors.Sum(e => e.Value.Count) - 1;
        return $"{field}: {messages[0]}" + (more > 0 ? $" (and {more} more, see errors)" : "");
    }
}
