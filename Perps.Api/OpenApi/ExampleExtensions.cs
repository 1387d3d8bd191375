using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Perps.Api.OpenApi;

/// <summary>
/// Puts a route's examples (from <see cref="ApiExamples"/>) into its operation in the OpenAPI document, serialized
/// with the API's own <c>JsonOptions</c>, so an example shows exactly the names and values a client sees.
/// </summary>
internal static class ExampleExtensions
{
    /// <summary>The example of the success answer <paramref name="status"/>, for a route without a request body.</summary>
    public static RouteHandlerBuilder WithExample(this RouteHandlerBuilder builder, int status, object response) =>
        builder.WithExample(null, status, response);

    /// <summary>
    /// The example of the request body (attach it after anything that replaces the body's documentation) and of the
    /// success answer <paramref name="status"/>.
    /// </summary>
    public static RouteHandlerBuilder WithExample(this RouteHandlerBuilder builder, object? request, int status, object response) =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var options = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            if (request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            {
                body.Example = WithoutNulls(JsonSerializer.SerializeToNode(request, request.GetType(), options));
            }
            if (operation.Responses?.TryGetValue(status.ToString(), out var answer) == true
                && answer.Content?.TryGetValue("application/json", out var content) == true)
            {
                content.Example = JsonSerializer.SerializeToNode(response, response.GetType(), options);
            }
            return Task.CompletedTask;
        });

    /// <summary>A request example shows only what a client sends: optional fields left out, not sent as null.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        if (node is JsonObject members)
        {
            foreach (var name in members.Where(m => m.Value is null).Select(m => m.Key).ToList())
            {
                members.Remove(name);
            }
            foreach (var (_, value) in members)
            {
                WithoutNulls(value);
            }
        }
        return node;
    }
}
