// Perps alerts over WebSocket, in Node.js with the `ws` package (npm install ws).
//   PERPS_API_KEY=pk_... node alerts.js
// Prints each alert on stdout (one line: type, id, data) and what the connection does on stderr. It keeps the last
// cursor in a file, so a restart, or a reconnect after a dropped connection, resumes where it stopped.
const fs = require('fs');
const WebSocket = require('ws');

const url = process.env.PERPS_ALERTS_URL || 'ws://localhost:5001/api/alerts';
const apiKey = process.env.PERPS_API_KEY;
const cursorFile = process.env.PERPS_CURSOR_FILE || 'perps-alerts.cursor';
if (!apiKey) {
  console.error('Set PERPS_API_KEY to your API key (pk_...).');
  process.exit(2);
}

let cursor = fs.existsSync(cursorFile) ? fs.readFileSync(cursorFile, 'utf8').trim() || null : null;
let backoffMs = 1000;

function saveCursor(value) {
  cursor = value;
  fs.writeFileSync(cursorFile + '.tmp', value); // write, then rename: a crash never leaves half a cursor
  fs.renameSync(cursorFile + '.tmp', cursorFile);
}

function handleAlert(alert) {
  // Your code here. An alert is the webhook body of the event plus its "cursor".
  console.log(`${alert.type} ${alert.id} ${JSON.stringify(alert.data)}`);
}

function connect() {
  const headers = { 'X-API-Key': apiKey };
  if (cursor) headers['X-Resume-From'] = cursor; // replays every alert after it, then continues live
  const ws = new WebSocket(url, { headers });

  ws.on('unexpected-response', (req, res) => {
    // The upgrade was refused with a problem response: 401 (wrong or revoked key) will not get better by retrying.
    console.error(`refused: HTTP ${res.statusCode}`);
    if (res.statusCode === 401) process.exit(1);
    ws.terminate(); // 429 (too many connections for this key) and others: try again later
  });

  ws.on('message', (raw) => {
    const frame = JSON.parse(raw);
    if (frame.id !== undefined) {
      handleAlert(frame);
      saveCursor(frame.cursor); // after handling: a crash in between shows that alert again, never loses it
    } else if (frame.type === 'welcome') {
      backoffMs = 1000;
      console.error(`connected (${frame.connection_id}), alerts after cursor ${frame.cursor}`);
      saveCursor(frame.cursor);
    } else if (frame.type === 'resync_required') {
      console.error(`resync required: ${frame.reason}. Alerts continue from now; read what was missed from the REST API ` +
        '(GET /api/events?since=<time of the last alert handled>), it cannot be replayed here.');
      saveCursor(frame.cursor);
    } else if (frame.type === 'error') {
      console.error(`server error: ${frame.message}`);
    }
  });

  ws.on('error', (err) => console.error(`connection error: ${err.message}`));

  ws.on('close', (code, reason) => {
    const wait = backoffMs + Math.random() * backoffMs / 2;
    console.error(`closed (${code} ${reason}); reconnecting in ${(wait / 1000).toFixed(1)} s`);
    backoffMs = Math.min(backoffMs * 2, 30000);
    setTimeout(connect, wait);
  });
}

connect();
