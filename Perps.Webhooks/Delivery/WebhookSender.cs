using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Security;
using Perps.Webhooks.Signing;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// Sends one signed attempt. Its HttpClient is its own, not one from the factory: the standard resilience handler
/// would retry behind the history table's back, and service discovery would resolve user URLs as service names.
/// Every way an attempt can go wrong, short of the caller stopping, ends in an outcome to record: nothing a
/// receiver sends back (status line, headers, body, timing) can leave a delivery unrecorded.
/// </summary>
public sealed class WebhookSender(SafeConnector connector, OpenedSecrets secrets, IOptions<DeliveryOptions> options, TimeProvider time)
{
    private readonly HttpClient _client = WebhookHttpClient.Create(connector, options.Value);

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
            var status = (int)response.StatusCode;
            // The status line is the answer: a 2xx whose body then breaks off is still a delivery the receiver took.
            var body = await ReadPrefixOrNullAsync(response.Content, timeout.Token);
            return new(attemptedAt, status, stopwatch.Elapsed,
                response.IsSuccessStatusCode ? null : $"HTTP {status}", body, RetryAfter(response));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new(attemptedAt, null, stopwatch.Elapsed, Describe(ex, timeout.IsCancellationRequested), null, null);
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
        headers.TryAddWithoutValidation("webhook-signature", StandardSignatures(job, secret, timestamp, body));
        return request;
    }

    /// <summary>
    /// The new secret's signature, then, while a rotation's grace period runs, the old one's: the Standard Webhooks
    /// header carries several, space-separated, and a receiver accepts the delivery if any verifies. An old secret
    /// that no longer opens (sealed under a secrets key since removed) is left out rather than failing the delivery.
    /// </summary>
    private string StandardSignatures(DeliveryJob job, string secret, long timestamp, byte[] body)
    {
        var current = WebhookSignature.StandardV1(secret, job.DeliveryId, timestamp, body);
        return job.SealedPreviousSecret is { } sealedPrevious && secrets.TryOpenPrevious(sealedPrevious, job.WebhookId, out var previous)
            ? $"{current} {WebhookSignature.StandardV1(previous, job.DeliveryId, timestamp, body)}"
            : current;
    }

    /// <summary>The first <see cref="ReceiverText.MaxBodyLength"/> bytes of the body, or null when there are none or reading fails.</summary>
    private static async Task<string?> ReadPrefixOrNullAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[ReceiverText.MaxBodyLength];
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
            }
            // A cut multi-byte character becomes U+FFFD; control characters are cleaned by AttemptOutcome.
            return filled == 0 ? null : Encoding.UTF8.GetString(buffer, 0, filled);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

    /// <summary>What went wrong, in words a user can act on; never a secret, never a resolved internal address.</summary>
    private string Describe(Exception ex, bool timedOut) => ex switch
    {
        OperationCanceledException when timedOut => $"timeout: no answer within {options.Value.Timeout.TotalSeconds:0.###} s",
        HttpRequestException http => Describe(http),
        IOException io => $"connection failed: {io.Message}",
        CryptographicException => "the webhook's signing secret could not be opened; rotate the secret to send again",
        UriFormatException or InvalidOperationException or NotSupportedException => "the webhook URL cannot be requested",
        _ => $"the attempt failed ({ex.GetType().Name})",
    };

    private static string Describe(HttpRequestException ex) =>
        ex.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) && inner.Message != ex.Message
            ? $"{ex.Message} ({inner.Message})"
            : ex.Message;
}
