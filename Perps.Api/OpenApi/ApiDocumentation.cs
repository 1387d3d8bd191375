using Scalar.AspNetCore;

namespace Perps.Api.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, always: it is the API's contract) and the interactive reference
/// page (<c>/scalar</c>, Development only). The document uses the same <c>JsonOptions</c> as the handlers, so its
/// names are the wire names: snake_case, with the trade payload's camelCase and <c>apiKey</c> as declared.
/// What concerns one route is attached at the route: its examples (<see cref="ExampleExtensions"/>, data in
/// <see cref="ApiExamples"/>) and the bodies it reads itself (<see cref="RequestBodyExtensions"/>).
/// </summary>
internal static class ApiDocumentation
{
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<DocumentInfoTransformer>();
            options.AddDocumentTransformer<KeyHeaderSecurity>();
            options.AddOperationTransformer<KeyHeaderSecurity>();
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
