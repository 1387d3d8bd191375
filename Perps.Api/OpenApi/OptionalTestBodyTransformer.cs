using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Perps.Api.Contracts;

namespace Perps.Api.OpenApi;

/// <summary>
/// <c>POST /api/webhooks/{id}/test</c> reads its optional body itself (no body means <c>trade.new</c>), so the
/// generator cannot see it: this documents it.
/// </summary>
internal sealed class OptionalTestBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (OperationRoute.Of(context) != "POST /api/webhooks/{id}/test")
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = false,
            Description = "Optional: the event type of the sample to send (one the webhook subscribes to); trade.new without a body.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TestWebhookRequest), null, cancellationToken) },
            },
        };
    }
}
