using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Perps.Api.Auth;

namespace Perps.Api.OpenApi;

/// <summary>
/// The three key headers as API-key security schemes, and on each operation the one its authorization policy
/// demands (policy names are scheme names, see <see cref="AuthSchemes"/>), with the 401 that a missing key gets.
/// </summary>
internal sealed class KeyHeaderSecurity : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, (string Header, string Description)> Schemes = new()
    {
        [AuthSchemes.ApiKey] = (AuthSchemes.ApiKeyHeader, "A user's API key (pk_...), issued by POST /api/admin/api-keys."),
        [AuthSchemes.Admin] = (AuthSchemes.AdminKeyHeader, "The operator's admin key (AppHost parameter admin-key)."),
        [AuthSchemes.Ingest] = (AuthSchemes.IngestKeyHeader, "The trade feed's ingest key (AppHost parameter ingest-key)."),
    };

    public static string[] SchemeNames => [.. Schemes.Keys];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        foreach (var (name, (header, description)) in Schemes)
        {
            document.Components.SecuritySchemes[name] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = header,
                Description = description,
            };
        }
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>().Where(Schemes.ContainsKey).Distinct().ToList();
        if (policies.Count == 0)
        {
            return Task.CompletedTask;
        }

        operation.Security ??= [];
        foreach (var policy in policies)
        {
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(policy, context.Document)] = [] });
        }
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse
        {
            Description = $"The {string.Join(" / ", policies.Select(p => Schemes[p].Header))} header is missing or holds no valid key (problem details).",
        });
        return Task.CompletedTask;
    }
}
