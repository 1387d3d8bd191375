"""Perps alerts over WebSocket, in Python with `websockets` (pip install websockets, or Debian's python3-websockets).

    PERPS_API_KEY=pk_... python3 alerts.py

Prints each alert on stdout (one line: type, id, data) and what the connection does on stderr. It keeps the last
cursor in a file, so a restart, or a reconnect after a dropped connection, resumes where it stopped.
"""
import asyncio
import json
import os
import random
import sys

import websockets

URL = os.environ.get("PERPS_ALERTS_URL", "ws://localhost:5001/api/alerts")
API_KEY = os.environ.get("PERPS_API_KEY")
CURSOR_FILE = os.environ.get("PERPS_CURSOR_FILE", "perps-alerts.cursor")

# The handshake's extra headers: `additional_headers` in websockets 14 and later (its new asyncio client),
# `extra_headers` before (Debian 12 ships 10.4).
HEADERS_ARGUMENT = "additional_headers" if int(websockets.__version__.split(".")[0]) >= 14 else "extra_headers"


def log(message):
    print(message, file=sys.stderr, flush=True)


def load_cursor():
    try:
        with open(CURSOR_FILE) as f:
            return f.read().strip() or None
    except FileNotFoundError:
        return None


def save_cursor(cursor):
    with open(CURSOR_FILE + ".tmp", "w") as f:  # write, then rename: a crash never leaves half a cursor
        f.write(cursor)
    os.replace(CURSOR_FILE + ".tmp", CURSOR_FILE)


def handle_alert(alert):
    # Your code here. An alert is the webhook body of the event plus its "cursor".
    print(alert["type"], alert["id"], json.dumps(alert["data"], separators=(",", ":")), flush=True)


def refused_status(error):
    """The HTTP status of a refused upgrade: InvalidStatusCode before websockets 14, InvalidStatus after."""
    response = getattr(error, "response", None)
    return getattr(error, "status_code", None) or getattr(response, "status_code", None)


async def main():
    if not API_KEY:
        log("Set PERPS_API_KEY to your API key (pk_...).")
        sys.exit(2)
    cursor = load_cursor()
    backoff = 1.0
    while True:
        headers = {"X-API-Key": API_KEY}
        if cursor:
            headers["X-Resume-From"] = cursor  # replays every alert after it, then continues live
        try:
            async with websockets.connect(URL, **{HEADERS_ARGUMENT: headers}) as ws:
                async for raw in ws:
                    frame = json.loads(raw)
                    if "id" in frame:
                        handle_alert(frame)
                        cursor = frame["cursor"]  # after handling: a crash in between shows it again, never loses it
                        save_cursor(cursor)
                    elif frame.get("type") == "welcome":
                        backoff = 1.0
                        log(f"connected ({frame['connection_id']}), alerts after cursor {frame['cursor']}")
                        cursor = frame["cursor"]
                        save_cursor(cursor)
                    elif frame.get("type") == "resync_required":
                        log(f"resync required: {frame['reason']}. Alerts continue from now; read what was missed from "
                            "the REST API (GET /api/events?since=<time of the last alert handled>), it cannot be replayed here.")
                        cursor = frame["cursor"]
                        save_cursor(cursor)
                    elif frame.get("type") == "error":
                        log(f"server error: {frame['message']}")
                log(f"closed ({ws.close_code} {ws.close_reason})")
        except websockets.exceptions.InvalidHandshake as error:
            status = refused_status(error)
            log(f"refused: HTTP {status or error}")
            if status == 401:  # a wrong or revoked key will not get better by retrying
                sys.exit(1)
        except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as error:
            log(f"connection lost: {error!r}")
        wait = backoff + random.uniform(0, backoff / 2)
        log(f"reconnecting in {wait:.1f} s")
        await asyncio.sleep(wait)
        backoff = min(backoff * 2, 30.0)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
