using Perps.SampleReceiver.Extensions;
using Perps.SampleReceiver.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapWebhookReceiverApi();

app.Run();
