using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Perps.Webhooks;

public static class PerpsConnections
{
    /// <summary>Postgres and Redis, configured alike for the API and the dispatchers.</summary>
    public static void AddPerpsConnections(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("perpsdb", configureDataSourceBuilder: dataSource =>
        {
            // The pipeline runs a handful of statements thousands of times a second: prepared on each connection
            // after their second use, Postgres stops parsing and planning them every time.
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            // Nothing here changes session state (the migrator's lock ends with its transaction), so a connection
            // going back to the pool needs no round of RESET statements.
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            // A statement is traced only as part of something traced (a request, a delivery): background polls
            // (due retries, the alert tail, sweeps) would otherwise fill the trace list with a root span each.
            dataSource.ConfigureTracing(tracing => tracing
                .ConfigureCommandFilter(_ => Activity.Current is not null)
                .ConfigureBatchFilter(_ => Activity.Current is not null));
        });
        builder.AddRedisClient("redis");
    }
}
