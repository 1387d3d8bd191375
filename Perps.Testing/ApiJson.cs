using System.Text.Json;

namespace Perps.Testing;

/// <summary>
/// How a client reads the API's answers into records: the wire's snake_case names, a number only as a number, and
/// no more lenient than reading the JSON by hand: a member the record requires (a constructor parameter without a
/// default) must be there, and null only where the record's type allows it.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
