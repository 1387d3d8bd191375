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
Console.WriteLine(BenchReport.Markdown(result));
Console.WriteLine(BenchReport.CpuMarkdown(result));
Console.WriteLine(BenchReport.Targets(result));
Console.WriteLine($"Written to {options.Output}.");
Console.WriteLine($"ratio={result.Ratio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}");
return result.InvalidSignatures == 0 ? 0 : 1;
