using Perps.Benchmarks;

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

using var timeout = new CancellationTokenSource(options.Deadline);
return options.Mode switch
{
    BenchMode.Growth => await new GrowthRunner(options).RunAsync(timeout.Token),
    BenchMode.Soak => await new SoakRunner(options).RunAsync(timeout.Token),
    _ => await new BenchRunner(options).RunAsync(timeout.Token),
};
