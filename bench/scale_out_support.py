"""Plumbing for bench/scale_out_bench.py: a browser-like HTTP client that
spreads one signed-in person's requests over several servers, a parser for
the forms on the service's pages, and starting and stopping gunicorn and
`manage.py db_worker` processes.

Standard library (and psutil, already installed with locust) only: the
simulated people run in plain threads, so this module must not be imported
after anything that monkey-patches the standard library with gevent.
"""

from __future__ import annotations

import html.parser
import http.cookiejar
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from processes import die_with_parent  # bench/processes.py

PASSWORD = "demo-only-password"  # accounts.demo.DEMO_PASSWORD: every seeded account's
REQUEST_TIMEOUT = 120


# --- forms -------------------------------------------------------------------

@dataclass
class Control:
    tag: str
    type: str
    name: str
    value: str
    checked: bool = False
    disabled: bool = False


@dataclass
class Form:
    method: str
    action: str
    enctype: str
    controls: list[Control] = field(default_factory=list)

    def names(self) -> set[str]:
        return {control.name for control in self.controls}

    def options(self, name: str) -> list[str]:
        """The values a radio or checkbox group offers."""
        return [c.value for c in self.controls if c.name == name and c.type in ("radio", "checkbox")]

    def values(self) -> list[tuple[str, str]]:
        """What a browser would send with no change made and no button
        pressed: text, hidden and textarea values, ticked boxes, chosen
        options; never buttons, files or disabled controls."""
        sent = []
        for control in self.controls:
            if control.disabled or not control.name:
                continue
            if control.type in ("submit", "button", "reset", "image", "file"):
                continue
            if control.type in ("radio", "checkbox") and not control.checked:
                continue
            sent.append((control.name, control.value))
        return sent


class FormParser(html.parser.HTMLParser):
    """Every <form> on a page with its controls, as a browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Control | None = None
        self._select: tuple[str, bool] | None = None
        self._select_options: list[Control] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = Form(
                method=attributes.get("method", "get").lower(), action=attributes.get("action", ""),
                enctype=attributes.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        disabled = "disabled" in attributes
        if tag == "input":
            self._form.controls.append(Control(
                tag="input", type=attributes.get("type", "text").lower(), name=attributes.get("name", ""),
                value=attributes.get("value", "on" if attributes.get("type") in ("checkbox", "radio") else ""),
                checked="checked" in attributes, disabled=disabled,
            ))
        elif tag == "button":
            self._form.controls.append(Control(
                tag="button", type=attributes.get("type", "submit").lower(), name=attributes.get("name", ""),
                value=attributes.get("value", ""), disabled=disabled,
            ))
        elif tag == "textarea":
            self._textarea = Control(tag="textarea", type="textarea", name=attributes.get("name", ""), value="",
                                     disabled=disabled)
        elif tag == "select":
            self._select = (attributes.get("name", ""), disabled)
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._select_options.append(Control(
                tag="option", type="option", name=self._select[0], value=attributes.get("value", ""),
                checked="selected" in attributes, disabled=self._select[1],
            ))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea.value
            # As in a browser: one newline straight after <textarea> is not content.
            if value.startswith("\r\n"):
                value = value[2:]
            elif value.startswith("\n"):
                value = value[1:]
            self._textarea.value = value
            if self._form is not None:
                self._form.controls.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [option for option in self._select_options if option.checked] or self._select_options[:1]
            if self._form is not None:
                for option in chosen:
                    self._form.controls.append(Control(tag="select", type="select", name=option.name,
                                                       value=option.value, disabled=option.disabled))
            self._select = None


def find_form(page: str, has: str) -> Form:
    """The POST form on the page that has a control named ``has``."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if form.method == "post" and has in form.names():
            return form
    raise LookupError(f"no POST form with a {has!r} control on the page")


def replace(pairs: list[tuple[str, str]], name: str, *values: str) -> list[tuple[str, str]]:
    """The pairs with every value of ``name`` replaced by ``values``."""
    return [(n, v) for n, v in pairs if n != name] + [(name, value) for value in values]


def multipart(pairs: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body, as a browser builds one: (body, content type)."""
    boundary = "----scale-out-" + secrets.token_hex(12)
    chunks = []
    for name, value in pairs:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    for name, filename, content, content_type in files:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


# --- HTTP ----------------------------------------------------------------------

class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over plain http to the loopback servers, as a
    browser does to a site behind a TLS-terminating proxy."""

    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer to check (a save acknowledged, or a lost
    # session sending the person to the sign-in page), never to follow.
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int | None  # None when no HTTP answer came at all
    headers: dict
    body: bytes
    server: int
    seconds: float
    error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        location = self.headers.get("location", "")
        return urllib.parse.urlsplit(location).path if location else ""


class Traffic:
    """Every request of the run, counted per server and status (thread-safe)."""

    def __init__(self, servers: list[str]):
        self.servers = servers
        self.lock = threading.Lock()
        self.by_server = [Counter() for _ in servers]
        self.seconds = [0.0 for _ in servers]
        self.problems: list[str] = []
        self.problem_count = 0

    def record(self, response: Response) -> None:
        with self.lock:
            status = "no answer" if response.status is None else str(response.status)
            self.by_server[response.server][status] += 1
            self.seconds[response.server] += response.seconds

    def problem(self, text: str) -> None:
        with self.lock:
            self.problem_count += 1
            if len(self.problems) < 20:
                self.problems.append(text[:400])

    def summary(self) -> dict:
        with self.lock:
            servers = {}
            for index, base in enumerate(self.servers):
                counts = self.by_server[index]
                total = sum(counts.values())
                servers[f"server_{'ab'[index]}"] = {
                    "url": base, "requests": total, "by_status": dict(sorted(counts.items())),
                    "mean_ms": round(self.seconds[index] / total * 1000, 1) if total else None,
                }
            return servers


class Browser:
    """One simulated person: one cookie jar (so one session), requests sent
    to the servers in turn unless one is named."""

    def __init__(self, traffic: Traffic, first_server: int = 0):
        self.traffic = traffic
        self.turn = first_server
        jar = http.cookiejar.CookieJar(policy=LoopbackCookiePolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def next_server(self) -> int:
        server = self.turn % len(self.traffic.servers)
        self.turn += 1
        return server

    def request(self, method: str, path: str, *, data: list[tuple[str, str]] | None = None,
                files: list[tuple[str, str, bytes, str]] | None = None, server: int | None = None) -> Response:
        server = self.next_server() if server is None else server
        url = self.traffic.servers[server] + path
        body, headers = None, {}
        if method == "POST":
            if files:
                body, headers["Content-Type"] = multipart(data or [], files)
            else:
                body = urllib.parse.urlencode(data or []).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                response = Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read(),
                                    server, 0.0)
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            response = Response(answer.code, {k.lower(): v for k, v in answer.headers.items()}, answer.read(),
                                server, 0.0)
        except (urllib.error.URLError, OSError) as error:
            response = Response(None, {}, b"", server, 0.0, error=repr(error))
        response.seconds = time.perf_counter() - started
        self.traffic.record(response)
        return response

    def sign_in(self, email: str, server: int | None = None) -> bool:
        """The real sign-in form with its CSRF token; True when signed in."""
        server = self.next_server() if server is None else server
        page = self.request("GET", "/accounts/login/", server=server)
        if page.status != 200:
            self.traffic.problem(f"sign-in form for {email}: status {page.status} {page.error}")
            return False
        form = find_form(page.text, "username")
        data = replace(replace(form.values(), "username", email), "password", PASSWORD)
        answer = self.request("POST", "/accounts/login/", data=data, server=server)
        if answer.status == 302 and answer.location == "/":
            return True
        self.traffic.problem(f"sign-in as {email}: status {answer.status} to {answer.location!r} {answer.error}")
        return False


# --- processes -----------------------------------------------------------------

def start_gunicorn(root: Path, environment: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
        "--error-logfile", str(log), "--timeout", "120",
    ]
    return subprocess.Popen(command, cwd=root, env=environment, preexec_fn=die_with_parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_db_worker(root: Path, environment: dict, worker_id: str, log: Path) -> subprocess.Popen:
    handle = open(log, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, str(root / "manage.py"), "db_worker", "--worker-id", worker_id, "--no-reload",
             "--interval", "0.5", "-v", "1"],
            cwd=root, env=environment, preexec_fn=die_with_parent, stdout=handle, stderr=subprocess.STDOUT,
        )
    finally:
        handle.close()  # the child has its own copy


def stop(process: subprocess.Popen | None, grace: float = 15) -> None:
    """SIGTERM (gunicorn and db_worker both finish cleanly on it), then
    SIGKILL if it has not gone within ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def cpu_seconds(process: subprocess.Popen | None) -> float | None:
    """CPU used so far by a process and its descendants (a gunicorn master
    and its workers), or None once it has gone."""
    if process is None:
        return None
    try:
        return tree_cpu_seconds(psutil.Process(process.pid))
    except psutil.Error:
        return None


def tree_cpu_seconds(root: psutil.Process | None) -> float | None:
    """CPU of a process, its live descendants and the children it has
    already reaped (a database backend that ended during the run counts)."""
    if root is None:
        return None
    try:
        times = root.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in root.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return None


def own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def machine_busy() -> float:
    system = psutil.cpu_times()
    return sum(system) - system.idle - getattr(system, "iowait", 0.0)


def peak_rss_mb(process: subprocess.Popen | None) -> float | None:
    """The high-water mark of a live process's memory (VmHWM)."""
    if process is None:
        return None
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
