using Scalar.AspNetCore;

namespace Perps.Api.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, always: it is the API's contract) and the interactive reference
/// page (<c>/scalar</c>, Development only). The document uses the same <c>JsonOptions</c> as the handlers, so its
/// names are the wire names: snake_case, with the trade payload's camelCase and <c>apiKey</c> as declared.
/// </summary>
internal static class ApiDocumentation
{
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<DocumentInfoTransformer>();
            options.AddDocumentTransformer<KeyHeaderSecurity>();
            options.AddOperationTransformer<KeyHeaderSecurity>();
            options.AddOperationTransformer<TradeBatchBodyTransformer>();
            options.AddOperationTransformer<OptionalTestBodyTransformer>();
            options.AddOperationTransformer<OperationExamplesTransformer>();
        });

    public static void MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(options => options
                .WithTitle("Perps API reference")
                .AddPreferredSecuritySchemes(KeyHeaderSecurity.SchemeNames));
        }
    }
}
