using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Operability;

/// <summary>The OpenAPI document at /openapi/v1.json and, in Development, the Scalar reference page.</summary>
public sealed class ApiReferenceTests(PerpsAppFixture app)
{
    /// <summary>Every public route, as "METHOD path" in the document's own spelling.</summary>
    private static readonly string[] PublicRoutes =
    [
        "post /api/admin/api-keys",
        "delete /api/admin/api-keys/{id}",
        "post /api/wallets",
        "get /api/wallets",
        "delete /api/wallets/{address}",
        "post /api/webhooks",
        "get /api/webhooks",
        "get /api/webhooks/{id}",
        "put /api/webhooks/{id}",
        "delete /api/webhooks/{id}",
        "post /api/webhooks/{id}/regenerate-secret",
        "post /api/webhooks/{id}/test",
        "get /api/webhooks/{id}/deliveries",
        "get /api/webhooks/{id}/deliveries/{deliveryId}",
        "post /api/webhooks/{id}/deliveries/{deliveryId}/redeliver",
        "post /api/webhooks/{id}/recover",
        "get /api/webhooks/{id}/stats",
        "post /api/trades",
    ];

    [Fact]
    public async Task OpenApiDocumentDescribesEveryPublicRouteWithItsKeyHeader()
    {
        var document = await GetDocumentAsync();

        var paths = document["paths"]!.AsObject();
        foreach (var route in PublicRoutes)
        {
            var operation = Operation(paths, route);
            Assert.True(operation is not null, $"{route} is not in the OpenAPI document");
            Assert.NotEmpty(operation!["security"]!.AsArray());
            Assert.NotNull(operation["tags"]);
        }
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal(
            ["X-API-Key", "X-Admin-Key", "X-Ingest-Key"],
            schemes.Select(s => s.Value!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(schemes, s => Assert.Equal("header", s.Value!["in"]!.GetValue<string>()));
        Assert.Equal("AdminKey", SecuritySchemeOf(Operation(paths, "post /api/admin/api-keys")!));
        Assert.Equal("IngestKey", SecuritySchemeOf(Operation(paths, "post /api/trades")!));
        Assert.Equal("ApiKey", SecuritySchemeOf(Operation(paths, "get /api/webhooks")!));
    }

    [Fact]
    public async Task OpenApiDocumentUsesTheWireNamesOfTheApi()
    {
        var document = await GetDocumentAsync();

        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.NotNull(schemas["WebhookResponse"]!["properties"]!["is_active"]);
        Assert.NotNull(schemas["DeliveryResponse"]!["properties"]!["next_attempt_at"]);
        Assert.NotNull(schemas["CreatedApiKeyEnvelope"]!["properties"]!["apiKey"]);
        Assert.NotNull(schemas["TradeEventRequest"]!["properties"]!["data"]!["properties"]!["marketSymbol"]);
        Assert.Null(schemas["WebhookResponse"]!["properties"]!["isActive"]);

        var paths = document["paths"]!.AsObject();
        var createWebhook = Operation(paths, "post /api/webhooks")!;
        var example = createWebhook["requestBody"]!["content"]!["application/json"]!["example"]!;
        Assert.Equal("https://example.com/webhooks/perps", example["url"]!.GetValue<string>());
        var created = createWebhook["responses"]!["201"]!["content"]!["application/json"]!["example"]!;
        Assert.True(created["success"]!.GetValue<bool>());
        Assert.StartsWith("whsec_", created["webhook"]!["secret"]!.GetValue<string>(), StringComparison.Ordinal);
        var trade = Operation(paths, "post /api/trades")!["requestBody"]!["content"]!["application/json"]!;
        Assert.Equal("SOL-PERP", trade["example"]!["data"]!["marketSymbol"]!.GetValue<string>());
        Assert.Equal(2, trade["schema"]!["oneOf"]!.AsArray().Count);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheSubscriptionFieldsWithExamples()
    {
        var document = await GetDocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var field in (string[])["filters", "rate_limit", "previous_secret_expires_at"])
        {
            Assert.NotNull(schemas["WebhookResponse"]!["properties"]![field]);
        }
        foreach (var field in (string[])["markets", "sides", "min_size_usd", "min_leverage", "wallets"])
        {
            Assert.NotNull(schemas["TradeFilters"]!["properties"]![field]);
        }

        var paths = document["paths"]!.AsObject();
        var create = Operation(paths, "post /api/webhooks")!["requestBody"]!["content"]!["application/json"]!["example"]!;
        Assert.Equal("SOL-PERP", create["filters"]!["markets"]![0]!.GetValue<string>());
        Assert.Equal(2, create["rate_limit"]!.GetValue<int>());
        var update = Operation(paths, "put /api/webhooks/{id}")!["requestBody"]!["content"]!["application/json"]!["example"]!;
        Assert.Contains("webhook.disabled", update["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        var rotate = Operation(paths, "post /api/webhooks/{id}/regenerate-secret")!;
        Assert.Equal(24, rotate["requestBody"]!["content"]!["application/json"]!["example"]!["grace_period_hours"]!.GetValue<int>());
        Assert.NotNull(rotate["responses"]!["200"]!["content"]!["application/json"]!["example"]!["webhook"]!["previous_secret_expires_at"]);
        var get = Operation(paths, "get /api/webhooks/{id}")!["responses"]!["200"]!["content"]!["application/json"]!["example"]!;
        Assert.NotNull(get["health"]!["deliveries_24h"]);
    }

    [Fact]
    public async Task ScalarReferencePageIsServedInDevelopment()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = app.CreateAnonymousClient();

        var response = await client.GetAsync("/scalar", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
    }

    private async Task<JsonObject> GetDocumentAsync()
    {
        using var client = app.CreateAnonymousClient();
        var response = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>The operation for "method path", the path written with or without its trailing slash.</summary>
    private static JsonNode? Operation(JsonObject paths, string route)
    {
        var (method, path) = (route.Split(' ')[0], route.Split(' ')[1]);
        return (paths[path] ?? paths[path + "/"])?[method];
    }

    private static string SecuritySchemeOf(JsonNode operation) =>
        Assert.Single(operation["security"]!.AsArray()[0]!.AsObject()).Key;
}
