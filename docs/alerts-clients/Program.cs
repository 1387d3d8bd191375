// Perps alerts over WebSocket, in C# with ClientWebSocket: the Program.cs of a console app (dotnet new console),
// or on .NET 10 run as it is with `dotnet run Program.cs`.
//   PERPS_API_KEY=pk_... dotnet run
// Prints each alert on stdout (one line: type, id, data) and what the connection does on stderr. It keeps the last
// cursor in a file, so a restart, or a reconnect after a dropped connection, resumes where it stopped.
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

var url = new Uri(Environment.GetEnvironmentVariable("PERPS_ALERTS_URL") ?? "ws://localhost:5001/api/alerts");
var apiKey = Environment.GetEnvironmentVariable("PERPS_API_KEY");
var cursorFile = Environment.GetEnvironmentVariable("PERPS_CURSOR_FILE") ?? "perps-alerts.cursor";
if (string.IsNullOrEmpty(apiKey))
{
    Console.Error.WriteLine("Set PERPS_API_KEY to your API key (pk_...).");
    return 2;
}

var cursor = File.Exists(cursorFile) ? File.ReadAllText(cursorFile).Trim() : "";
var backoff = TimeSpan.FromSeconds(1);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

while (!stop.IsCancellationRequested)
{
    using var socket = new ClientWebSocket();
    socket.Options.SetRequestHeader("X-API-Key", apiKey);
    if (cursor.Length > 0)
    {
        socket.Options.SetRequestHeader("X-Resume-From", cursor); // replays every alert after it, then continues live
    }
    socket.Options.CollectHttpResponseDetails = true;
    try
    {
        await socket.ConnectAsync(url, stop.Token);
        while (await ReceiveAsync(socket, stop.Token) is { } frame)
        {
            using var json = JsonDocument.Parse(frame);
            var root = json.RootElement;
            if (root.TryGetProperty("id", out _))
            {
                HandleAlert(root);
                SaveCursor(root.GetProperty("cursor").GetString()!); // after handling: a crash in between shows it again, never loses it
                continue;
            }
            switch (root.GetProperty("type").GetString())
            {
                case "welcome":
                    backoff = TimeSpan.FromSeconds(1);
                    Console.Error.WriteLine($"connected ({root.GetProperty("connection_id")}), alerts after cursor {root.GetProperty("cursor")}");
                    SaveCursor(root.GetProperty("cursor").GetString()!);
                    break;
                case "resync_required":
                    Console.Error.WriteLine($"resync required: {root.GetProperty("reason")}. Alerts continue from now; read what was missed " +
                        "from the REST API (GET /api/events?since=<time of the last alert handled>), it cannot be replayed here.");
                    SaveCursor(root.GetProperty("cursor").GetString()!);
                    break;
                case "error":
                    Console.Error.WriteLine($"server error: {root.GetProperty("message")}");
                    break;
            }
        }
        Console.Error.WriteLine($"closed ({(int?)socket.CloseStatus} {socket.CloseStatusDescription})");
        if (socket.State == WebSocketState.CloseReceived)
        {
            using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", answer.Token); // answer the server's close
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        break;
    }
    catch (WebSocketException ex) when (socket.HttpStatusCode == HttpStatusCode.Unauthorized)
    {
        Console.Error.WriteLine($"refused: HTTP 401 ({ex.Message}); a wrong or revoked key will not get better by retrying");
        return 1;
    }
    catch (Exception ex) when (ex is WebSocketException or IOException or JsonException)
    {
        var status = socket.HttpStatusCode is 0 or HttpStatusCode.SwitchingProtocols ? "" : $"HTTP {(int)socket.HttpStatusCode}: ";
        Console.Error.WriteLine($"connection lost: {status}{ex.Message}");
    }

    var wait = backoff * (1 + Random.Shared.NextDouble() / 2);
    Console.Error.WriteLine($"reconnecting in {wait.TotalSeconds:0.0} s");
    try
    {
        await Task.Delay(wait, stop.Token);
    }
    catch (OperationCanceledException)
    {
        break;
    }
    backoff = backoff * 2 > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : backoff * 2;
}

return 0;

void HandleAlert(JsonElement alert)
{
    // Your code here. An alert is the webhook body of the event plus its "cursor".
    Console.WriteLine($"{alert.GetProperty("type")} {alert.GetProperty("id")} {alert.GetProperty("data").GetRawText()}");
}

void SaveCursor(string value)
{
    cursor = value;
    File.WriteAllText(cursorFile + ".tmp", value); // write, then rename: a crash never leaves half a cursor
    File.Move(cursorFile + ".tmp", cursorFile, overwrite: true);
}

// One whole text frame (frames may arrive in parts), or null once the server closes.
static async Task<byte[]?> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
{
    var buffer = new byte[8192];
    using var message = new MemoryStream();
    while (true)
    {
        var result = await socket.ReceiveAsync(buffer, cancellationToken);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return null;
        }
        message.Write(buffer, 0, result.Count);
        if (result.EndOfMessage)
        {
            return message.ToArray();
        }
    }
}
