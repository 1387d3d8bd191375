using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Security;
using Perps.Webhooks.Signing;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// Sends one signed attempt. Its HttpClient is its own, not one from the factory: the standard resilience handler
/// would retry behind the history table's back, and service discovery would resolve user URLs as service names.
/// </summary>
public sealed class WebhookSender(SafeConnector connector, SecretProtector secrets, IOptions<DeliveryOptions> options, TimeProvider time)
{
    private readonly HttpClient _client = WebhookHttpClient.Create(connector);

    private const int ResponseBodyLimit = 1024;
    private static readonly ProductInfoHeaderValue UserAgent = new("Perps-Webhooks", "1.0");

    public async Task<AttemptOutcome> SendAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        var attemptedAt = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var request = CreateRequest(job, attemptedAt.ToUnixTimeSeconds());
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadPrefixAsync(response.Content, timeout.Token);
            return new(attemptedAt, (int)response.StatusCode, stopwatch.Elapsed,
                response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}", body, RetryAfter(response));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(attemptedAt, null, stopwatch.Elapsed, $"timeout: no answer within {options.Value.Timeout.TotalSeconds:0.###} s", null, null);
        }
        catch (HttpRequestException ex)
        {
            return new(attemptedAt, null, stopwatch.Elapsed, Describe(ex), null, null);
        }
    }

    private HttpRequestMessage CreateRequest(DeliveryJob job, long timestamp)
    {
        var secret = secrets.Open(job.SealedSecret, job.WebhookId);
        var body = Encoding.UTF8.GetBytes(job.Body);
        var request = new HttpRequestMessage(HttpMethod.Post, job.Url)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var headers = request.Headers;
        headers.UserAgent.Add(UserAgent);
        headers.TryAddWithoutValidation("X-Webhook-Signature", WebhookSignature.Hex(secret, body));
        headers.TryAddWithoutValidation("X-Webhook-ID", job.WebhookId);
        headers.TryAddWithoutValidation("X-Event-Type", job.EventType);
        headers.TryAddWithoutValidation("X-Delivery-ID", job.DeliveryId);
        headers.TryAddWithoutValidation("X-Delivery-Attempt", job.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation("webhook-id", job.DeliveryId);
        headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.StandardV1(secret, job.DeliveryId, timestamp, body));
        return request;
    }

    private static async Task<string?> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ResponseBodyLimit];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }
        // Postgres text cannot hold NUL; a cut multi-byte character becomes U+FFFD.
        return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled).Replace('\0', '\uFFFD');
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) && inner.Message != ex.Message
            ? $"{ex.Message} ({inner.Message})"
            : ex.Message;
}
