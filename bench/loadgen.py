"""The ack benchmark's load generator, run as its own process (so it never shares the event loop,
or the CPU, with the server under test): N closed-loop senders POST Slack-signed slash commands
for `warmup + duration` seconds; the figures of the `duration` window are printed as JSON.

    python -m bench.loadgen '<json config>'   (see `Config`)
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench._proc import cpu_seconds, machine_busy_seconds


@dataclass(frozen=True)
class Config:
    url: str
    secret: str
    concurrency: int
    warmup: float
    duration: float
    #: the slash command's form fields; `trigger_id` is made unique per request
    fields: dict[str, str]
    #: processes whose CPU time is reported for the measured window (name -> pid)
    watch: dict[str, int]


@dataclass
class Sample:
    started: float
    ended: float
    status: int


def _signed(config: Config, serial: int) -> tuple[bytes, dict[str, str]]:
    fields = dict(config.fields, trigger_id=f"{serial}.{os.getpid()}.{time.time_ns()}")
    body = urlencode(fields).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(config.secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


async def _sender(
    config: Config,
    http: aiohttp.ClientSession,
    stop_at: float,
    serials: list[int],
    out: list[Sample],
) -> None:
    while time.monotonic() < stop_at:
        serials[0] += 1
        body, headers = _signed(config, serials[0])
        started = time.monotonic()
        try:
            async with http.post(config.url, data=body, headers=headers) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientError:
            status = 0
        out.append(Sample(started, time.monotonic(), status))


async def run(config: Config) -> dict[str, Any]:
    samples: list[Sample] = []
    serials = [0]
    connector = aiohttp.TCPConnector(limit=config.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    begin = time.monotonic()
    window_start = begin + config.warmup
    stop_at = window_start + config.duration
    cpu: dict[str, float] = {}

    async def mark_window() -> None:
        await asyncio.sleep(max(0.0, window_start - time.monotonic()))
        cpu.update({f"{k}_start": cpu_seconds(pid) for k, pid in config.watch.items()})
        cpu["loadgen_start"] = time.process_time()
        cpu["machine_start"] = machine_busy_seconds()
        await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        cpu.update({f"{k}_end": cpu_seconds(pid) for k, pid in config.watch.items()})
        cpu["loadgen_end"] = time.process_time()
        cpu["machine_end"] = machine_busy_seconds()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        marker = asyncio.create_task(mark_window())
        await asyncio.gather(
            *(_sender(config, http, stop_at, serials, samples) for _ in range(config.concurrency))
        )
        await marker
    measured = [s for s in samples if s.started >= window_start and s.ended <= stop_at]
    latencies = sorted(s.ended - s.started for s in measured)
    names = [*config.watch, "loadgen", "machine"]
    figures: dict[str, Any] = {
        "requests": len(measured),
        "acked_total": sum(1 for s in samples if s.status == 200),
        "errors": sum(1 for s in measured if s.status != 200),
        "throughput": len(measured) / config.duration,
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "duration": config.duration,
        "latencies": [round(x, 5) for x in latencies],
        "cpu": {n: (cpu[f"{n}_end"] - cpu[f"{n}_start"]) / config.duration for n in names},
    }
    figures["cpu"]["others"] = max(
        0.0, figures["cpu"]["machine"] - sum(figures["cpu"][n] for n in [*config.watch, "loadgen"])
    )
    return figures


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q * len(values)) - 1))
    return values[index]


def main() -> int:
    raw = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(run(Config(**raw)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
