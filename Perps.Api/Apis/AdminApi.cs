using Microsoft.AspNetCore.Http.HttpResults;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.OpenApi;
using Perps.Api.Validation;

namespace Perps.Api.Apis;

/// <summary>Operator routes, behind <c>X-Admin-Key</c>: issuing and revoking API keys.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/api-keys").RequireAuthorization(AuthSchemes.Admin).WithTags("Admin");

        api.MapPost("/", CreateApiKey).Validates<CreateApiKeyRequest>()
            .WithSummary("Issue an API key").WithDescription("The key is in this answer only: the service keeps nothing but its hash.")
            .WithExample(ApiExamples.CreateApiKey, 201, ApiExamples.ApiKeyCreated);
        api.MapDelete("/{id}", RevokeApiKey).WithSummary("Revoke an API key").WithExample(200, ApiExamples.ApiKeyRevoked);

        return api;
    }

    private static async Task<Created<CreatedApiKeyEnvelope>> CreateApiKey(CreateApiKeyRequest request, ApiKeyStore keys, CancellationToken ct)
    {
        var key = await keys.CreateAsync(request.Name.Trim(), ct);
        return TypedResults.Created($"/api/admin/api-keys/{key.Id}", new CreatedApiKeyEnvelope(CreatedApiKey.From(key)));
    }

    private static async Task<Results<Ok<MessageEnvelope>, ProblemHttpResult>> RevokeApiKey(string id, ApiKeyStore keys, CancellationToken ct) =>
        await keys.RevokeAsync(id, ct)
            ? TypedResults.Ok(new MessageEnvelope("API key revoked; its webhooks receive nothing more."))
            : Problems.NotFound("API key", id);
}
