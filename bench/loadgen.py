"""A small offline load generator: N client threads, each with its own keep-alive connection and
cookies, against 127.0.0.1 only, bounded in time and in number of iterations."""
import http.client
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class LoadError(Exception):
    """A request failed: a status we did not expect, or the connection broke."""


class Client:
    """One simulated browser: a connection, a cookie jar of one session."""

    def __init__(self, host: str, port: int, number: int):
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the load generator only talks to this machine")
        self.host, self.port, self.number = host, port, number
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Host": f"{self.host}:{self.port}"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = None
                # A kept-alive connection the server closed is retried once on a fresh one.
                if attempt == 1 or isinstance(error, TimeoutError):
                    raise LoadError(f"{method} {path}: {error!r}") from None
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if header.lower() == "connection" and value.lower() == "close":
                self.connection.close()
                self.connection = None
        return response.status, text

    def close(self):
        if self.connection is not None:
            self.connection.close()


@dataclass
class Result:
    clients: int
    seconds: float
    #: Latency of the measured request of each completed iteration, in seconds.
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @classmethod
    def merged(cls, results: list["Result"]) -> "Result":
        """Several runs of the same scenario as one: their iterations, errors and seconds together."""
        merged = cls(clients=results[0].clients, seconds=sum(result.seconds for result in results))
        for result in results:
            merged.latencies += result.latencies
            merged.errors += result.errors
        return merged

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1]


#: One iteration of a scenario: does its requests with the client and returns the measured latency.
Scenario = Callable[[Client, int], float]


def run(port: int, scenario: Scenario, clients: int, seconds: float, max_iterations: int) -> Result:
    """Run ``scenario`` from ``clients`` threads for at most ``seconds`` and ``max_iterations`` in all."""
    result = Result(clients=clients, seconds=0.0)
    lock = threading.Lock()
    counter = iter(range(max_iterations))
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def worker(number: int):
        client = Client("127.0.0.1", port, number)
        start.wait()
        try:
            while time.monotonic() < stop_at:
                with lock:
                    iteration = next(counter, None)
                if iteration is None:
                    return
                try:
                    latency = scenario(client, iteration)
                except LoadError as error:
                    with lock:
                        result.errors.append(str(error))
                    continue
                with lock:
                    result.latencies.append(latency)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(seconds + 120)
    result.seconds = time.monotonic() - began
    return result


def timed(client: Client, method: str, path: str, expect: int, form: dict | None = None) -> tuple[float, str]:
    """Do one request; (seconds it took, body). Any other status than ``expect`` is an error."""
    began = time.perf_counter()
    status, text = client.request(method, path, form)
    elapsed = time.perf_counter() - began
    if status != expect:
        raise LoadError(f"{method} {path}: {status} instead of {expect}")
    return elapsed, text


def csrf_token(page: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise LoadError("no CSRF token on the page")
    return match.group(1)
