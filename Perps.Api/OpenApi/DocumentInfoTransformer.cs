using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Perps.Api.OpenApi;

/// <summary>The document's title and description, and one described tag per feature (the tags the route groups set).</summary>
internal sealed class DocumentInfoTransformer : IOpenApiDocumentTransformer
{
    private static readonly (string Name, string Description)[] Features =
    [
        ("Admin", "Issuing and revoking API keys. Operator only: X-Admin-Key."),
        ("Watchlist", "The trader wallets whose trades reach this API key's webhooks. X-API-Key."),
        ("Webhooks", "Webhook endpoints: create, read, change, delete, rotate the signing secret. X-API-Key."),
        ("Deliveries", "Delivery history and the levers to act on it: test, redeliver, recover. X-API-Key."),
        ("Ingestion", "The trade feed: events are stored durably, then fanned out to matching webhooks. X-Ingest-Key."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Perps API";
        document.Info.Description =
            "Webhooks for a perpetual-futures trade tracker. Every success answer starts with \"success\": true; every " +
            "error is a problem-details document (application/problem+json) with \"success\": false, a title and a detail.";
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in Features)
        {
            document.Tags.Add(new OpenApiTag { Name = name, Description = description });
        }
        return Task.CompletedTask;
    }
}
