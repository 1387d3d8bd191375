using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Perps.Api.Apis;
using Perps.Api.Contracts;

namespace Perps.Api.OpenApi;

/// <summary>
/// <c>POST /api/trades</c> reads its body as raw JSON (one event or an array of them), which the generator would
/// document as "anything": this says what it really takes.
/// </summary>
internal sealed class TradeBatchBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (OperationRoute.Of(context) != "POST /api/trades")
        {
            return;
        }

        var trade = await context.GetOrCreateSchemaAsync(typeof(TradeEventRequest), null, cancellationToken);
        IOpenApiSchema one = trade;
        if (context.Document is { } document)
        {
            document.AddComponent(nameof(TradeEventRequest), trade);
            one = new OpenApiSchemaReference(nameof(TradeEventRequest), document);
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = $"One trade event, or an array of 1 to {TradesApi.MaxBatch}. An event whose id is already stored is not stored (or delivered) again.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        OneOf = [one, new OpenApiSchema { Type = JsonSchemaType.Array, Items = one, MinItems = 1, MaxItems = TradesApi.MaxBatch }],
                    },
                },
            },
        };
    }
}
