"""Host benchmarks: the Calls API against Flask itself, and end-to-end calls over real HTTP.

    python bench/bench_host.py [--seconds 3] [--rounds 5] [--calls 3000] [--only api|calls]

1. API throughput, measured in the same run on the same waitress server: requests per second of
   `GET /2010-04-01/Accounts/{AC}/Calls/{sid}.json` (auth, store read, JSON) and of a modify
   (`POST …/Calls/{sid}.json` with `StatusCallback`: auth, store read, parameter checks, a
   command on the engine thread and its reply), each against a Flask hello-world view. Load comes
   from separate processes over keep-alive connections; each round measures the three back to
   back and the median of the rounds' ratios is reported. Goal: ratio >= 0.5 for both.
2. End to end: inbound calls per second, each fetching an IVR document over real HTTP from an
   app server in another process (waitress + Flask) and running to its end, records written to
   SQLite. Virtual clock: N calls placed through the service, then time is advanced until all
   have ended. Wall clock: calls placed as fast as the service takes them for a while; the rate
   at which calls complete in real time. For scale: Restcomm's published single-box load test
   processed 26 calls/s. Goal >= 500 calls/s. The host process's CPU time per call is shown
   too (all its threads, the placing threads included): it says what one core sustains when the
   machine is shared.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import logging
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rcml.engine import Account  # noqa: E402
from rcml.host.config import HostConfig, NumberConfig  # noqa: E402

ACCOUNT = Account("AC" + "3" * 32, "5" * 32)
NUMBER = "+15551112222"
AUTH = "Basic " + base64.b64encode(f"{ACCOUNT.sid}:{ACCOUNT.auth_token}".encode()).decode()
IVR = (
    '<Response><Gather numDigits="1" timeout="1"><Say>Welcome. Press one.</Say></Gather>'
    "<Say>Goodbye</Say></Response>"
)
CALL_SECONDS = 2.6  # 3 words, the Gather timeout, 1 word


# --- servers -----------------------------------------------------------------------------------


def serve(app: Any, threads: int = 8) -> tuple[Any, int]:
    """A waitress server on 127.0.0.1 in a background thread; (server, port)."""
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return server, int(server.effective_port)


def app_server_main(port_out: Any, stop: Any) -> None:
    """The app server process: a Flask app serving the IVR document."""
    from flask import Flask, Response

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = Flask("app-server")

    @app.post("/ivr")
    def ivr() -> Response:
        return Response(IVR, content_type="text/xml")

    _, port = serve(app, threads=16)
    port_out.put(port)
    stop.wait()


def host(tmp: Path, clock: str, numbers: dict[str, NumberConfig] | None = None) -> Any:
    """A host app with the benchmark's account, and a hello-world view beside the API."""
    from flask import Flask

    from rcml.host.app import create_app
    from rcml.host.service import HostService
    from rcml.store import Store

    config = HostConfig(
        accounts=(ACCOUNT,), numbers=numbers or {}, flows_dir=tmp,
        database=tmp / f"{clock}.db", clock=clock,
        endpoints={"client:alice": {"answer_after": 0}},
    )  # fmt: skip
    service = HostService(config, Store(config.database))
    app: Flask = create_app(config, service=service, start=False)

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    return app, service


# --- load --------------------------------------------------------------------------------------


def load_worker(port: int, method: str, path: str, body: str, seconds: float, out: Any) -> None:
    """One client process: requests on one keep-alive connection for `seconds`; the count."""
    headers = {"Authorization": AUTH}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port)
    done = failed = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            done += 1
        else:
            failed += 1
    connection.close()
    out.put((done, failed))


def requests_per_second(
    port: int, method: str, path: str, body: str, seconds: float, clients: int
) -> float:
    context = mp.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=load_worker, args=(port, method, path, body, seconds, out))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    results = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    done = sum(count for count, _ in results)
    failed = sum(count for _, count in results)
    if failed:
        raise RuntimeError(f"{method} {path}: {failed} requests did not answer 200")
    return done / seconds


def bench_api(seconds: float, rounds: int, clients: int) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        app, service = host(Path(folder), "wall")
        server, port = serve(app)
        service.start(f"http://127.0.0.1:{port}")
        from rcml.host.params import parse_create

        order = parse_create({
            "To": ["client:alice"], "From": ["+15550001111"],
            "Twiml": ['<Response><Pause length="3600"/></Response>'],
        })  # fmt: skip
        sid = service.create_call(ACCOUNT, order, "2010-04-01").sid
        call = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{sid}.json"
        modify_body = "StatusCallback=http%3A%2F%2F127.0.0.1%3A9%2Fstatus"
        cases: list[tuple[str, str, str, str]] = [
            ("hello-world GET /hello", "GET", "/hello", ""),
            ("fetch GET /Calls/{sid}.json", "GET", call, ""),
            ("modify POST /Calls/{sid}.json", "POST", call, modify_body),
        ]
        measured: dict[str, list[float]] = {name: [] for name, *_ in cases}
        requests_per_second(port, "GET", "/hello", "", 0.5, clients)  # warm up
        for _ in range(rounds):
            for name, method, path, body in cases:
                rate = requests_per_second(port, method, path, body, seconds, clients)
                measured[name].append(rate)
        server.close()
        service.stop()
        service.store.close()
    # Each round measures all three back to back, so a ratio compares like with like on a
    # machine whose load changes; the median of the rounds' ratios is reported.
    baseline = measured[cases[0][0]]
    print(f"API throughput ({clients} client processes, {rounds} rounds x {seconds:g} s each):")
    ok = True
    for name, values in measured.items():
        ratio = statistics.median(
            value / base for value, base in zip(values, baseline, strict=True)
        )
        print(f"  {name:34} {statistics.median(values):8.0f} req/s   ratio {ratio:4.2f}")
        if name != cases[0][0]:
            ok = ok and ratio >= 0.5
    print(f"  goal: ratio >= 0.5 -> {'met' if ok else 'NOT met'}")
    return ok


# --- end to end --------------------------------------------------------------------------------


def completed(store: Any) -> int:
    connection = store._connection()
    return int(
        connection.execute("SELECT count(*) FROM calls WHERE status = 'completed'").fetchone()[0]
    )


def place_many(place: Callable[[], object], calls: int, threads: int) -> float:
    """Place `calls` calls from `threads` threads; the seconds it took."""
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(place) for _ in range(calls)]:
            future.result()
    return time.perf_counter() - start


def bench_calls(calls: int, threads: int) -> bool:
    context = mp.get_context("spawn")
    port_out, stop = context.Queue(), context.Event()
    app_process = context.Process(target=app_server_main, args=(port_out, stop))
    app_process.start()
    app_port = port_out.get()
    number = {NUMBER: NumberConfig(NUMBER, f"http://127.0.0.1:{app_port}/ivr", ACCOUNT.sid)}
    results: dict[str, tuple[float, float]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            results["virtual"] = _virtual_calls(Path(folder), number, calls, threads)
            results["wall"] = _wall_calls(Path(folder), number, calls, threads)
    finally:
        stop.set()
        app_process.join()
    print(f"End to end, {calls} inbound calls each fetching an IVR over real HTTP:")
    for clock, (rate, cpu_ms) in results.items():
        print(
            f"  {clock:8} clock: {rate:7.0f} calls/s   host CPU {cpu_ms:.2f} ms per call "
            f"(one core: {1000 / cpu_ms:5.0f} calls/s)"
        )
    ok = min(rate for rate, _ in results.values()) >= 500
    print("  (Restcomm's published single-box load test: 26 calls/s)")
    print(f"  goal: >= 500 calls/s -> {'met' if ok else 'NOT met'}")
    return ok


def _virtual_calls(
    tmp: Path, numbers: dict[str, NumberConfig], calls: int, threads: int
) -> tuple[float, float]:
    """N calls placed through the service, then time advanced until all have ended; (calls per
    second, host CPU ms per call)."""
    app, service = host(tmp, "virtual", numbers)
    service.start("http://127.0.0.1:9")
    cpu, start = time.process_time(), time.perf_counter()
    place_many(lambda: service.place_inbound(ACCOUNT, "+15550001111", NUMBER), calls, threads)
    service.advance(10)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    done = completed(service.store)
    service.stop()
    service.store.close()
    if done != calls:
        raise RuntimeError(f"virtual clock: {done} of {calls} calls completed")
    return calls / elapsed, cpu * 1000 / calls


def _wall_calls(
    tmp: Path, numbers: dict[str, NumberConfig], calls: int, threads: int
) -> tuple[float, float]:
    """Calls placed as fast as the service takes them, each lasting CALL_SECONDS in real time;
    the rate is `calls` over the time until all have ended, less one call's own length (the
    last call placed cannot end sooner than that)."""
    app, service = host(tmp, "wall", numbers)
    service.start("http://127.0.0.1:9")
    cpu, start = time.process_time(), time.perf_counter()
    place_many(lambda: service.place_inbound(ACCOUNT, "+15550001111", NUMBER), calls, threads)
    deadline = time.perf_counter() + CALL_SECONDS + 60
    while (done := completed(service.store)) < calls and time.perf_counter() < deadline:
        time.sleep(0.01)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    service.stop()
    service.store.close()
    if done != calls:
        raise RuntimeError(f"wall clock: {done} of {calls} calls completed")
    return calls / max(elapsed - CALL_SECONDS, 1e-9), cpu * 1000 / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--only", choices=["api", "calls"])
    args = parser.parse_args()
    ok = True
    if args.only in (None, "api"):
        ok = bench_api(args.seconds, args.rounds, args.clients) and ok
    if args.only in (None, "calls"):
        ok = bench_calls(args.calls, args.threads) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
