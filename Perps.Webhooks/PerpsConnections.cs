using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Perps.Webhooks;

public static class PerpsConnections
{
    /// <summary>
    /// Postgres and Redis, configured alike for the API and the dispatchers. <paramref name="keyLookupsOnly"/> (the
    /// dispatchers) turns sequential scans, merge joins and hash joins off for the sessions: their hot statements find
    /// rows by key (the periodic sweep for lost fan-outs reads its table whole either way). <c>fan_out_awaiting</c>,
    /// which churns a row per ingest request (hundreds a second; a row per event, thousands, until migration 9),
    /// misleads the planner whenever a vacuum or an analyze counts it at a quiet moment (20 live rows beside an index
    /// grown to thousands of pages): plans cached then read the whole table for each batch, the fan-out took 1 to 4 s a
    /// batch, and a soak stood still for 23 s. Merely costing a merge join makes the planner look up the join keys'
    /// actual lowest and highest values in their indexes, and the low end of <c>fan_out_awaiting</c>'s holds the
    /// entries of rows already deleted (batch ids grow with time), walked one by one until a vacuum clears them:
    /// planning the fan-out took 23-36 ms, 1-3.5 ms without merge joins. The dispatchers' prepared statements keep one
    /// generic plan: a plan that finds rows by key does not depend on which keys, and Postgres, comparing the generic
    /// plan's estimate (ten of each array) with each execution's, kept planning some of them afresh every time (the
    /// fan-out by batch, the endpoint streaks). A generic plan is made once per connection, often while the tables are
    /// young: the fan-out's, made with <c>deliveries</c> a few hundred rows, checked "not delivered yet" by hashing the
    /// whole table instead of probing its key, and went on doing so at every batch as the table grew, until an analyze
    /// replaced the plan: 390 fan-outs of 0.15 to 2.5 s (median 0.43 s) in a soak's first minute. Without hash joins
    /// every join probes by key, whatever the statistics said. No session compiles with JIT: it is for long analytical
    /// queries, and a sequential scan the dispatchers cannot avoid (the sweep's, retention's) is costed as disabled, so
    /// high that each was compiled, 100 ms a time.
    /// </summary>
    public static void AddPerpsConnections(this IHostApplicationBuilder builder, bool keyLookupsOnly = false)
    {
        builder.AddNpgsqlDataSource("perpsdb", configureDataSourceBuilder: dataSource =>
        {
            dataSource.ConnectionStringBuilder.Options = keyLookupsOnly
                ? "-c jit=off -c enable_seqscan=off -c enable_mergejoin=off -c enable_hashjoin=off -c plan_cache_mode=force_generic_plan"
                : "-c jit=off";
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
