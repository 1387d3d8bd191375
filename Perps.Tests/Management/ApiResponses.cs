using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Perps.Tests.Management;

/// <summary>Reads and checks the management API's answers: success envelopes, problem details, exact field sets.</summary>
internal static class ApiResponses
{
    public const string SecretPattern = "^whsec_[A-Za-z0-9+/]{43}=$";

    public static readonly string[] WebhookFields =
        ["id", "url", "events", "is_active", "created_at", "updated_at", "disabled_at", "disabled_reason", "filters", "rate_limit", "previous_secret_expires_at"];

    public static readonly string[] WebhookWithSecretFields =
        ["id", "url", "events", "is_active", "created_at", "updated_at", "secret", "filters", "rate_limit", "previous_secret_expires_at"];

    public static readonly string[] HealthFields =
        ["deliveries_24h", "succeeded_24h", "failed_24h", "last_success_at", "last_failure_at", "consecutive_failures", "failing_since"];

    /// <summary>A body sent exactly as written, so tests can send JSON no serializer would produce.</summary>
    public static StringContent RawJson(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>
    /// A JSON body just over the 2 MiB limit, sent with <c>Expect: 100-continue</c>: the server refuses on the
    /// headers, so the answer is a 413 rather than a connection reset halfway through the upload.
    /// </summary>
    public static HttpRequestMessage Oversized(HttpMethod method, string path, Func<string, string> bodyAround)
    {
        var request = new HttpRequestMessage(method, path) { Content = RawJson(bodyAround(new string('a', 2 * 1024 * 1024 + 1))) };
        request.Headers.ExpectContinue = true;
        return request;
    }

    /// <summary>Asserts the status and <c>"success": true</c>, and returns the body.</summary>
    public static async Task<JsonObject> SuccessAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.True(body["success"]!.GetValue<bool>());
        return body;
    }

    /// <summary>Asserts the status and <c>"success": true</c>, and returns the body read as <typeparamref name="T"/>.</summary>
    public static async Task<T> SuccessAsync<T>(this HttpResponseMessage response, HttpStatusCode status) =>
        (await response.SuccessAsync(status)).Deserialize<T>(ApiJson.Options)!;

    /// <summary>Asserts an RFC 7807 problem with the status, <c>"success": false</c> and a detail, and returns it.</summary>
    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.False(problem["success"]!.GetValue<bool>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), $"The problem has no detail: {text}");
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task<JsonObject> ValidationProblemAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"]?.AsObject();
        Assert.True(errors is not null && errors.ContainsKey(field), $"The errors do not name {field}: {problem.ToJsonString()}");
        return problem;
    }

    /// <summary>Asserts any 4xx problem, for input the framework refuses before validation.</summary>
    public static async Task<JsonObject> ClientProblemAsync(this HttpResponseMessage response)
    {
        Assert.InRange((int)response.StatusCode, 400, 499);
        return await response.ProblemAsync(response.StatusCode);
    }

    public static void HasExactlyFields(JsonNode? node, params string[] fields) =>
        Assert.Equal(fields.Order(StringComparer.Ordinal), node!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

    public static string AsString(this JsonNode? node) => node!.GetValue<string>();
}
