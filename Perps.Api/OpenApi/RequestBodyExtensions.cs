using Microsoft.OpenApi;

namespace Perps.Api.OpenApi;

/// <summary>
/// The request body of a route that reads its body itself, which the generator cannot see (or sees only as "any
/// JSON"): this documents what the route really takes. Attach it before <see cref="ExampleExtensions.WithExample(RouteHandlerBuilder, object?, int, object)"/>.
/// </summary>
internal static class RequestBodyExtensions
{
    /// <summary>An optional JSON body of type <typeparamref name="T"/> (the handler reads it with <c>OptionalBody</c>).</summary>
    public static RouteHandlerBuilder WithOptionalBody<T>(this RouteHandlerBuilder builder, string description) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = false,
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken) },
                },
            };
        });

    /// <summary>One <typeparamref name="T"/>, or an array of 1 to <paramref name="max"/> of them (the handler takes a <c>JsonElement</c>).</summary>
    public static RouteHandlerBuilder WithOneOrManyBody<T>(this RouteHandlerBuilder builder, int max, string description) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            IOpenApiSchema one = schema;
            if (context.Document is { } document)
            {
                document.AddComponent(typeof(T).Name, schema);
                one = new OpenApiSchemaReference(typeof(T).Name, document);
            }
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            OneOf = [one, new OpenApiSchema { Type = JsonSchemaType.Array, Items = one, MinItems = 1, MaxItems = max }],
                        },
                    },
                },
            };
        });
}
