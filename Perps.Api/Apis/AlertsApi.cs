using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Perps.Api.Alerts;
using Perps.Api.Auth;
using Perps.Api.Data;
using Perps.Api.RateLimits;
using Perps.Webhooks;

namespace Perps.Api.Apis;

/// <summary>
/// <c>GET /api/alerts</c>, upgraded to a WebSocket: every trade of the watched wallets, as it is ingested, with
/// resume. The key comes in the <c>X-API-Key</c> header (refused with 401 before the upgrade) or, for browsers,
/// as the first frame.
/// </summary>
public static class AlertsApi
{
    public const string ResumeHeader = "X-Resume-From";

    public static IEndpointConventionBuilder MapAlertsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/alerts", Connect)
            .RequireAuthorization(AuthSchemes.ApiKeyOrFirstFrame)
            .ExcludeFromDescription(); // OpenAPI cannot describe a socket: the README does

    private static async Task Connect(
        HttpContext context, AlertSession session, ConnectionLeases leases, ApiKeyStore apiKeys, FailedAuthGate failedAuth,
        IOptions<AlertOptions> options, IProblemDetailsService problems)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WriteProblemAsync(context, problems, StatusCodes.Status400BadRequest, "WebSocket upgrade required",
                "GET /api/alerts is a WebSocket endpoint: connect with a WebSocket client (ws:// or wss://).");
            return;
        }

        string? apiKeyId = null;
        if (context.Request.Headers.ContainsKey(AuthSchemes.ApiKeyHeader))
        {
            if (context.User.Identity is not { IsAuthenticated: true, AuthenticationType: AuthSchemes.ApiKey })
            {
                await WriteProblemAsync(context, problems, StatusCodes.Status401Unauthorized, "Unauthorized",
                    $"The {AuthSchemes.ApiKeyHeader} header does not hold a valid key.");
                return;
            }
            apiKeyId = context.User.ApiKeyId();
        }

        var settings = options.Value;
        var connectionId = Ids.New("conn");
        if (apiKeyId is not null && !await leases.TryAcquireAsync(apiKeyId, connectionId))
        {
            await TooManyRequests.WriteAsync(context, TimeSpan.FromSeconds(1), _ => leases.LimitReached);
            return;
        }

        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = settings.KeepAliveInterval,
                KeepAliveTimeout = settings.KeepAliveTimeout,
            });
            apiKeyId ??= await FirstFrameAuthentication.RunAsync(socket, context, connectionId, apiKeys, leases, failedAuth, settings);
            if (apiKeyId is not null)
            {
                var resumeFrom = context.Request.Headers.TryGetValue(ResumeHeader, out var cursor) ? cursor.ToString() : null;
                await session.RunAsync(socket, connectionId, apiKeyId, resumeFrom, context.RequestAborted);
            }
        }
        finally
        {
            if (apiKeyId is not null)
            {
                leases.Release(apiKeyId, connectionId);
            }
        }
    }

    private static Task WriteProblemAsync(HttpContext context, IProblemDetailsService problems, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
