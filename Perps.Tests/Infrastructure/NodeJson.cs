using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Perps.Tests.Infrastructure;

/// <summary>
/// Asks real Node.js what <c>JSON.stringify</c> writes, in one process per call (as <see cref="GuideVerifiers"/> runs
/// the guide's code). Values travel so nothing is lost on the way: numbers as the hex of their IEEE-754 bits, strings
/// as UTF-16 code units (lone surrogates included).
/// </summary>
public static class NodeJson
{
    private const string Script = """
        let raw = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', c => raw += c);
        process.stdin.on('end', () => {
          const input = JSON.parse(raw);
          const view = new DataView(new ArrayBuffer(8));
          const numbers = input.numbers.map(hex => { view.setBigUint64(0, BigInt('0x' + hex)); return JSON.stringify(view.getFloat64(0)); });
          const strings = input.strings.map(units => JSON.stringify(String.fromCharCode(...units)));
          const roundTrips = input.bodies.map(body => JSON.stringify(JSON.parse(body)));
          process.stdout.write(JSON.stringify({ numbers, strings, roundTrips }));
        });
        """;

    /// <summary>JSON.stringify of each number and each string, and JSON.stringify(JSON.parse(body)) of each body.</summary>
    public static async Task<(string[] Numbers, string[] Strings, string[] RoundTrips)> StringifyAsync(
        IEnumerable<double> numbers, IEnumerable<string> strings, IEnumerable<string> bodies)
    {
        var input = new JsonObject
        {
            ["numbers"] = new JsonArray(numbers.Select(n => (JsonNode)$"{BitConverter.DoubleToUInt64Bits(n):x16}").ToArray()),
            ["strings"] = new JsonArray(strings.Select(s => (JsonNode)new JsonArray(s.Select(c => (JsonNode)(int)c).ToArray())).ToArray()),
            ["bodies"] = new JsonArray(bodies.Select(b => (JsonNode)b).ToArray()),
        };
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Script);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node failed: {await error}");
        var result = JsonNode.Parse(await output)!;
        return (Strings(result["numbers"]!), Strings(result["strings"]!), Strings(result["roundTrips"]!));
    }

    private static string[] Strings(JsonNode array) => array.AsArray().Select(n => n!.GetValue<string>()).ToArray();
}
