using Microsoft.Extensions.Configuration;
using Perps.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

var (redis, database) = builder.AddRedisAndPostgres();

var adminKey = builder.AddParameter("admin-key", secret: true);
var ingestKey = builder.AddParameter("ingest-key", secret: true);
var secretsKeys = builder.AddSecretsKeys();

var apiReplicas = builder.Configuration.GetValue("Api:Replicas", 1);
var api = builder.AddProject<Projects.Perps_Api>("api", launchProfileName: null)
    // Deployed, the container app's ingress owns the public port (azd maps an http binding to port 80 only).
    .WithHttpEndpoint(port: builder.ExecutionContext.IsPublishMode ? null : builder.Configuration.GetValue<int?>("Api:Port"), name: "http")
    .WithExternalHttpEndpoints()
    // One replica is reached directly: DCP's proxy in front of it cost 0.016 ms of CPU per ingested event at half
    // load (the API's own: 0.07 ms). Several need the proxy to share requests out.
    .WithEndpoint("http", endpoint => endpoint.IsProxied = apiReplicas > 1)
    // Alert sockets live here, so replicas must share them out: see the README's "Alerts over WebSocket".
    .WithReplicas(apiReplicas)
    .WithReference(redis).WaitFor(redis)
    .WithReference(database).WaitFor(database)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__IngestKey", ingestKey)
    .WithSecretsKeys(builder, secretsKeys)
    .WithPerpsSettings(builder)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Perps_Dispatcher>("dispatcher", launchProfileName: null)
    .WithHttpEndpoint(name: "http")
    .WithReplicas(builder.Configuration.GetValue("Dispatcher:Replicas", 2))
    .WithReplicasInManifest()
    .WithReference(redis).WaitFor(redis)
    .WithReference(database)
    .WaitFor(api) // the API owns the schema: the dispatcher starts once it is applied
    .WithSecretsKeys(builder, secretsKeys)
    .WithPerpsSettings(builder)
    .WithHttpHealthCheck("/health");

// The web page a user manages webhooks and sees deliveries on; it talks to the API only.
builder.AddPortal(api, redis);

// Off unless --SampleReceiver:Enabled=true: the guide's webhook server in C#, a target for local webhooks.
builder.AddSampleReceiver();

builder.Build().Run();
