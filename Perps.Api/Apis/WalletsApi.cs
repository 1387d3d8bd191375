using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.OpenApi;
using Perps.Api.Validation;

namespace Perps.Api.Apis;

/// <summary>The watchlist: the trader wallets whose trades reach this user's webhooks.</summary>
public static class WalletsApi
{
    public static RouteGroupBuilder MapWalletsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/wallets").RequireAuthorization(AuthSchemes.ApiKey).WithTags("Watchlist");

        api.MapPost("/", AddWallet).Validates<AddWalletRequest>().WithSummary("Watch a wallet")
            .WithExample(ApiExamples.AddWallet, 201, ApiExamples.WalletAdded);
        api.MapGet("/", ListWallets).WithSummary("List the watched wallets").WithExample(200, ApiExamples.Wallets);
        api.MapDelete("/{address}", RemoveWallet).WithSummary("Stop watching a wallet").WithExample(200, ApiExamples.WalletRemoved);

        return api;
    }

    private static async Task<Results<Created<WalletEnvelope>, ProblemHttpResult>> AddWallet(
        AddWalletRequest request, ClaimsPrincipal user, WalletStore wallets, CancellationToken ct)
    {
        return await wallets.AddAsync(user.ApiKeyId(), request.Address, ct) switch
        {
            Added<WalletRow>.Created(var wallet) => TypedResults.Created($"/api/wallets/{wallet.Address}", new WalletEnvelope(WalletResponse.From(wallet))),
            Added<WalletRow>.QuotaReached(var count, var limit) => Problems.QuotaReached("watched wallets", count, limit),
            _ => Problems.Conflict("Wallet already watched", $"{request.Address} is already on your watchlist."),
        };
    }

    private static async Task<Ok<WalletListEnvelope>> ListWallets(ClaimsPrincipal user, WalletStore wallets, CancellationToken ct) =>
        TypedResults.Ok(new WalletListEnvelope((await wallets.ListAsync(user.ApiKeyId(), ct)).Select(WalletResponse.From).ToList()));

    private static async Task<Results<Ok<MessageEnvelope>, ProblemHttpResult>> RemoveWallet(
        string address, ClaimsPrincipal user, WalletStore wallets, CancellationToken ct) =>
        await wallets.RemoveAsync(user.ApiKeyId(), address, ct)
            ? TypedResults.Ok(new MessageEnvelope($"{address} removed from your watchlist."))
            : Problems.NotFound("Wallet", address);
}
