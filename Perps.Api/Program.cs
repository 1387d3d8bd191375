using Perps.Api.Apis;
using Perps.Api.Extensions;
using Perps.Api.OpenApi;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseApiPipeline();
app.MapDefaultEndpoints();
app.MapApiDocumentation();

app.MapAdminApi();
app.MapWalletsApi();
app.MapWebhooksApi();
app.MapDeliveriesApi();
app.MapStatsApi();
app.MapTradesApi();
app.MapAlertsApi();
app.MapEventsApi();

app.Run();

public partial class Program;
