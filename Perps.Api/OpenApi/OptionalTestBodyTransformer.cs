using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Perps.Api.Contracts;

namespace Perps.Api.OpenApi;

/// <summary>
/// <c>POST /api/webhooks/{id}/test</c> (no body means <c>trade.new</c>) and <c>POST /api/webhooks/{id}/regenerate-secret</c>
/// (no body means a 24-hour grace period) read their optional bodies themselves, so the generator cannot see them:
/// this documents them.
/// </summary>
internal sealed class OptionalTestBodyTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, (Type Body, string Description)> OptionalBodies = new()
    {
        ["POST /api/webhooks/{id}/test"] = (typeof(TestWebhookRequest),
            "Optional: the event type of the sample to send (a trade event type the webhook subscribes to); trade.new without a body."),
        ["POST /api/webhooks/{id}/regenerate-secret"] = (typeof(RegenerateSecretRequest),
            "Optional: grace_period_hours (0 to 168, 24 without a body): how long the old secret also signs webhook-signature; 0 revokes it at once."),
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!OptionalBodies.TryGetValue(OperationRoute.Of(context), out var optional))
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = false,
            Description = optional.Description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(optional.Body, null, cancellationToken) },
            },
        };
    }
}
