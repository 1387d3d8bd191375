using System.Diagnostics;

namespace Perps.Tests.Infrastructure;

/// <summary>
/// Runs the public guide's own verification code, exactly as written, on a received request: the Node.js example
/// (which signs <c>JSON.stringify(req.body)</c>, the re-serialized JSON) and the Python example (the raw body).
/// </summary>
public static class GuideVerifiers
{
    private const string NodeScript = """
        const crypto = require('crypto');
        function verifyWebhookSignature(payload, signature, secret) {
        const expectedSignature = crypto
        .createHmac('sha256', secret)
        .update(payload)
        .digest('hex');
        return crypto.timingSafeEqual(
        Buffer.from(signature),
        Buffer.from(expectedSignature)
        );
        }
        let raw = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', c => raw += c);
        process.stdin.on('end', () => {
          const body = JSON.parse(raw); // what express.json() gives as req.body
          const payload = JSON.stringify(body);
          process.stdout.write(verifyWebhookSignature(payload, process.env.SIGNATURE, process.env.WEBHOOK_SECRET) ? 'valid' : 'invalid');
        });
        """;

    private const string PythonScript = """
        import hmac
        import hashlib
        import os
        import sys
        def verify_webhook_signature(payload: str, signature: str, secret: str) -> bool:
            expected = hmac.new(
                secret.encode(),
                payload.encode(),
                hashlib.sha256
            ).hexdigest()
            return hmac.compare_digest(signature, expected)
        payload = sys.stdin.buffer.read().decode('utf-8')  # request.get_data(as_text=True)
        print('valid' if verify_webhook_signature(payload, os.environ['SIGNATURE'], os.environ['WEBHOOK_SECRET']) else 'invalid', end='')
        """;

    public static Task<string> NodeAsync(ReceivedRequest request, string secret) => RunAsync("node", ["-e", NodeScript], request, secret);

    public static Task<string> PythonAsync(ReceivedRequest request, string secret) => RunAsync("python3", ["-c", PythonScript], request, secret);

    private static async Task<string> RunAsync(string program, string[] args, ReceivedRequest request, string secret)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["SIGNATURE"] = request.Header("X-Webhook-Signature");
        start.Environment["WEBHOOK_SECRET"] = secret;
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(request.Body);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 ? output : $"{program} failed: {error}";
    }
}
