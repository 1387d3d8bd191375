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
        });
        builder.AddRedisClient("redis");
    }
}
