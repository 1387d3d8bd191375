using Microsoft.AspNetCore.OpenApi;

namespace Perps.Api.OpenApi;

/// <summary>"POST /api/webhooks/{id}/test": how the transformers name the operation they are looking at.</summary>
internal static class OperationRoute
{
    public static string Of(OpenApiOperationTransformerContext context) =>
        $"{context.Description.HttpMethod} /{context.Description.RelativePath?.TrimEnd('/')}";
}
