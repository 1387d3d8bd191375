using Perps.Benchmarks;
using Perps.Benchmarks.Reporting;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchUsageException ex)
{
    if (ex.Message.Length > 0)
    {
        Console.Error.WriteLine(ex.Message);
    }
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
var result = await new BenchRunner(options).RunAsync(timeout.Token);
await BenchReport.WriteJsonAsync(result, options.Output);

Console.WriteLine();
if (result.Limit is not null)
{
    Console.WriteLine(BenchReport.Markdown(result));
    Console.WriteLine(BenchReport.CpuMarkdown(result));
}
if (result.Alerts is { } alerts)
{
    Console.WriteLine(AlertsReport.Markdown(alerts));
    if (alerts.IsVoid)
    {
        Console.WriteLine("The alert latency figures are VOID: alerts went missing or connections were closed (see the table).");
        Console.WriteLine();
    }
}
Console.WriteLine(BenchReport.Targets(result));
Console.WriteLine($"Written to {options.Output}.");
// The headline stays the last line; an alerts-only run has none (no webhook pipeline or limit was measured).
if (result.Ratio is { } ratio)
{
    Console.WriteLine($"ratio={ratio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}");
}
return result.InvalidSignatures == 0 && result.Alerts?.IsVoid != true ? 0 : 1;
