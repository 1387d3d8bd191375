using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Perps.Webhooks;

public static class PerpsConnections
{
    /// <summary>
    /// Postgres and Redis, configured alike for the API and the dispatchers. <paramref name="keyLookupsOnly"/> (the
    /// dispatchers) turns sequential scans and merge joins off for the sessions: their hot statements find rows by
    /// key (the periodic sweep for lost fan-outs reads its table whole either way). <c>fan_out_awaiting</c>, which
    /// churns thousands of rows a second, misleads the planner whenever a vacuum or an analyze counts it at a quiet
    /// moment (20 live rows beside an index grown to thousands of pages): plans cached then read the whole table for
    /// each batch, the fan-out took 1 to 4 s a batch, and a soak stood still for 23 s. Merely costing a merge join
    /// makes the planner look up the join keys' actual lowest and highest values in their indexes, and the low end of
    /// <c>fan_out_awaiting</c>'s holds the entries of rows already deleted (event ids grow with time), walked one by
    /// one until a vacuum clears them: planning the fan-out took 23-36 ms, 1-3.5 ms without merge joins.
    /// </summary>
    public static void AddPerpsConnections(this IHostApplicationBuilder builder, bool keyLookupsOnly = false)
    {
        builder.AddNpgsqlDataSource("perpsdb", configureDataSourceBuilder: dataSource =>
        {
            if (keyLookupsOnly)
            {
                dataSource.ConnectionStringBuilder.Options = "-c enable_seqscan=off -c enable_mergejoin=off";
            }
            // The pipeline runs a handful of statements thousands of times a second: prepared on each connection
            // after their second use, Postgres stops parsing and planning them every time.
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            // Nothing here changes session state (the migrator's lock ends with its transaction), so a connection
            // going back to the pool needs no round of RESET statements.
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            // The pools keep what they open, and open only what Postgres can use. By default Npgsql closes the
            // connections idle for 5 minutes all together: the backends a stall made the pool open then exit at once,
            // each unmapping the shared memory it touched, and in soaks both cores went to the kernel for about a
            // second (`perf`: unmap_page_range in 35 exiting backends), a stall that made the pools open more.
            dataSource.ConnectionStringBuilder.MaxPoolSize = 32;
            dataSource.ConnectionStringBuilder.ConnectionIdleLifetime = (int)TimeSpan.FromHours(1).TotalSeconds;
            // A statement is traced only as part of something traced (a request, a delivery): background polls
            // (due retries, the alert tail, sweeps) would otherwise fill the trace list with a root span each.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => Activity.Current is not null)
                .ConfigureBatchFilter(_ => Activity.Current is not null));
        });
        builder.AddRedisClient("redis");
    }
}
