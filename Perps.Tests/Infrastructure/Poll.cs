namespace Perps.Tests.Infrastructure;

/// <summary>The one wait of the tests: probe until a condition holds, or fail with what was last seen.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout,
        Func<T, string> failure, TimeSpan? interval = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException(failure(value));
            }
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        }
    }
}
