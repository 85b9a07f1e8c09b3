"""Contract fuzz: schemathesis over the served OpenAPI spec, signed in as a
participant and as a veileder, on SQLite and on PostgreSQL.

For each backend this starts `friskliv serve` on a free 127.0.0.1 port with
a fresh database (a temporary SQLite file, or a randomly named PostgreSQL
database that is dropped afterwards), bootstraps a centre and a veileder
with the `friskliv admin` commands, registers the veileder and a
participant with software passkeys (tests/contract/passkey.py), gives them
some realistic state (diaries, consents, a referral, a follow-up period,
goals, assessments) and runs `schemathesis run` over `/v1/openapi.json`
with its default checks, once per role. Any failure fails the run.

Usage (normally through tests/contract/run.sh, which prepares the venv):
    python tests/contract/run.py --bin target/debug/friskliv [--backend sqlite|postgres|all]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from passkey import SoftPasskey  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# The WebAuthn origin the server is configured with; ceremonies claim it.
RP_ORIGIN = "http://localhost:8080"
HOOKS = Path(__file__).resolve().parent / "hooks.py"
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"[contract] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Database:
    """A database that exists for one fuzz run."""

    def __init__(self, backend: str, postgres_url: str | None, workdir: Path):
        self.backend = backend
        self.postgres_url = postgres_url
        self.name = "friskliv_fuzz_" + secrets.token_hex(6)
        if backend == "sqlite":
            self.url = f"sqlite://{workdir / 'fuzz.db'}?mode=rwc"
        else:
            assert postgres_url, "PostgreSQL needs --postgres-url or FRISKLIV_TEST_POSTGRES_URL"
            self._psql(f"CREATE DATABASE {self.name}")
            base, _, _ = postgres_url.rpartition("/")
            self.url = f"{base}/{self.name}"

    def _psql(self, sql: str) -> None:
        subprocess.run(
            ["psql", self.postgres_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            check=True,
        )

    def drop(self) -> None:
        if self.backend == "postgres":
            self._psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Server:
    def __init__(self, binary: Path, database: Database, workdir: Path):
        self.binary = binary
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "FRISKLIV_BIND": f"{HOST}:{self.port}",
            "FRISKLIV_RP_ID": "localhost",
            "FRISKLIV_RP_ORIGIN": RP_ORIGIN,
            "FRISKLIV_EXPORT_DIR": str(workdir / "exports"),
            "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
        }
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(self.binary), "serve"],
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                if requests.get(f"{self.base}/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log_file.close()

    def admin(self, *args: str) -> dict[str, str]:
        """Runs `friskliv admin …` against the server's database; returns its
        `key: value` lines."""
        out = subprocess.run(
            [str(self.binary), "admin", *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        values = {}
        for line in out.splitlines():
            key, sep, value = line.partition(": ")
            if sep:
                values[key.strip()] = value.strip()
        return values


class Client:
    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, body=None, expect=(200, 201)):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = self.http.request(method, self.base + path, json=body, headers=headers, timeout=30)
        if resp.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else None

    def register(self, device: SoftPasskey, invite_code: str, display_name: str) -> dict:
        start = self.call(
            "POST",
            "/v1/auth/register/start",
            body={"invite_code": invite_code, "display_name": display_name, "passkey_name": "fuzz"},
        )
        credential = device.create(start["options"])
        return self.call(
            "POST",
            "/v1/auth/register/finish",
            body={"ceremony_id": start["ceremony_id"], "credential": credential},
        )

    def login(self, device: SoftPasskey) -> dict:
        start = self.call("POST", "/v1/auth/login/start", body={})
        credential = device.get(start["options"])
        return self.call(
            "POST",
            "/v1/auth/login/finish",
            body={"ceremony_id": start["ceremony_id"], "credential": credential},
        )


def seed(server: Server, client: Client) -> dict:
    """A centre, a veileder and a participant with a little history."""
    centre_id = server.admin(
        "create-centre", "--name", "Frisklivssentralen i Fuzz", "--municipality", "0301"
    )["centre_id"]
    code = server.admin("invite-staff", "--centre", centre_id, "--role", "veileder")["code"]
    veileder_device = SoftPasskey(RP_ORIGIN)
    veileder = client.register(veileder_device, code, "Vera Veileder")
    v = veileder["token"]

    invite = client.call(
        "POST",
        f"/v1/centres/{centre_id}/invites",
        v,
        {"role": "participant", "birth_month": "1980-04"},
    )
    participant_device = SoftPasskey(RP_ORIGIN)
    participant = client.register(participant_device, invite["code"], "Per Deltaker")
    p = participant["token"]
    participant_id = participant["account"]["id"]

    today = dt.date.today()
    # Before the window hooks.py draws dates from, so generated dates are
    # never before the period's start.
    start = today - dt.timedelta(days=70)

    def at(day: dt.date, hour: int) -> str:
        return f"{day.isoformat()}T{hour:02d}:00:00+01:00"

    for scope in ("summaries", "entries", "assessments", "research"):
        client.call("POST", "/v1/me/consents", p, {"scope": scope, "centre_id": centre_id})

    base = f"/v1/centres/{centre_id}/participants/{participant_id}"
    client.call(
        "PATCH",
        f"{base}/attributes",
        v,
        {"sex": "female", "height_cm": 168.0, "work_school": ["employed_full_time"]},
    )
    referral = client.call(
        "POST",
        f"{base}/referrals",
        v,
        {
            "referrer_type": "gp",
            "reasons": ["physical_inactivity", "tobacco"],
            "referred_on": (start - dt.timedelta(days=7)).isoformat(),
        },
    )
    client.call(
        "PUT",
        f"{base}/referrals/{referral['id']}/triage",
        v,
        {"outcome": "enrolled", "decided_on": start.isoformat()},
    )
    client.call(
        "POST",
        f"{base}/periods",
        v,
        {"start_date": start.isoformat(), "referral_id": referral["id"]},
    )
    client.call(
        "POST",
        f"{base}/periods/1/conversations",
        v,
        {"kind": "start", "held_on": start.isoformat(), "interpreter_used": False},
    )
    client.call(
        "POST",
        f"{base}/goals",
        v,
        {"domain": "activity", "text": "Gå tre dager i uka", "target": "3 dager/uke"},
    )
    client.call(
        "POST",
        f"{base}/assessments",
        v,
        {
            "instrument": "six_minute_walk",
            "timepoint": "baseline",
            "assessed_on": start.isoformat(),
            "six_minute_walk": {"distance_m": 420.0},
        },
    )
    client.call("POST", "/v1/me/goals", p, {"domain": "tobacco", "text": "Slutte å røyke"})
    client.call(
        "POST",
        "/v1/me/assessments",
        p,
        {
            "instrument": "self_rated_health",
            "timepoint": "baseline",
            "assessed_on": start.isoformat(),
            "self_rated_health": {"answer": 3},
        },
    )
    client.call(
        "PUT",
        f"/v1/me/quit-attempts/{uuid.uuid4()}",
        p,
        {
            "version": 1,
            "occurred_at": at(start, 9),
            "quit_attempt": {
                "target_quit_date": (start + dt.timedelta(days=7)).isoformat(),
                "products": ["cigarettes"],
                "price_per_unit_nok": 5.0,
            },
        },
    )
    items = []
    for offset in range(14):
        day = start + dt.timedelta(days=offset)
        items.append(
            {
                "op": "upsert",
                "kind": "activity",
                "entry_id": str(uuid.uuid4()),
                "entry": {
                    "version": 1,
                    "occurred_at": at(day, 10),
                    "activity": {
                        "activity_type": "walking",
                        "duration_minutes": 30 + offset,
                        "intensity": "moderate",
                    },
                },
            }
        )
        items.append(
            {
                "op": "upsert",
                "kind": "tobacco",
                "entry_id": str(uuid.uuid4()),
                "entry": {
                    "version": 1,
                    "occurred_at": at(day, 20),
                    "tobacco": {"cigarettes": max(0, 8 - offset), "snus_portions": 0, "e_cigarette": False},
                },
            }
        )
    client.call("POST", "/v1/me/sync", p, {"items": items})
    client.call(
        "PUT",
        f"/v1/me/diary/food/{uuid.uuid4()}",
        p,
        {
            "version": 1,
            "occurred_at": at(today, 12),
            "food": {"meal": "lunch", "description": "Grovbrød", "veg_fruit_portions": 2, "whole_grain": True},
        },
    )
    return {
        "centre_id": centre_id,
        "participant_id": participant_id,
        "roles": {
            "participant": (participant_device, p),
            "veileder": (veileder_device, v),
        },
    }


def fuzz_config(workdir: Path, state: dict, logout_token: str) -> Path:
    """Schemathesis settings for one role: real ids offered for the path
    parameters now and then (so requests reach past the centre check, while
    other draws stay random), and a session of its own for `logout`, so the
    fuzzer signing out does not end the session the other operations use."""
    path = workdir / "schemathesis.toml"
    path.write_text(
        f"""
hooks = "{HOOKS}"

[cache]
directory = "{workdir / 'schemathesis-cache'}"

[dictionaries.centres]
values = ["{state['centre_id']}"]

[dictionaries.participants]
values = ["{state['participant_id']}"]

[dictionaries.periods]
values = [1]

[parameters]
"path.centre_id" = {{ dictionary = "centres", probability = 0.6 }}
"query.centre_id" = {{ dictionary = "centres", probability = 0.6 }}
"path.participant_id" = {{ dictionary = "participants", probability = 0.6 }}
"path.period" = {{ dictionary = "periods", probability = 0.6 }}

[[operations]]
include-operation-id = "logout"
headers = {{ Authorization = "Bearer {logout_token}" }}

# The diary entry schema is one of six kinds, each with an example (the
# one-tap tobacco-free day, a quit attempt with packs); the examples phase
# pairs an example with any kind in the path, and the path must name the
# body's kind (hooks.py `_kind_from_body` keeps the other phases to that).
# The examples themselves are checked by the api's `spec` tests.
[[operations]]
include-operation-id = "putDiaryEntry"
phases.examples.enabled = false

[[operations]]
include-operation-id = "putProxyDiaryEntry"
phases.examples.enabled = false
"""
    )
    return path


def run_backend(args, backend: str) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix=f"friskliv-fuzz-{backend}-"))
    report_root = Path(args.report_dir) / backend
    if report_root.exists():
        shutil.rmtree(report_root)
    report_root.mkdir(parents=True)
    database = Database(backend, args.postgres_url, workdir)
    server = Server(Path(args.bin), database, workdir)
    ok = True
    try:
        server.start()
        log(f"{backend}: server on {server.base} ({database.url.split('?')[0]})")
        client = Client(server.base)
        state = seed(server, client)
        # Every sign-in happens before fuzzing: the fuzzer spends the
        # sign-in rate limit of this address (a 429 is a declared answer).
        # `logout` gets a session of its own, so the fuzzer signing out does
        # not end the session the other operations use.
        logout_tokens = {
            role: client.login(state["roles"][role][0])["token"] for role in args.roles
        }
        for role in args.roles:
            _, token = state["roles"][role]
            config = fuzz_config(workdir, state, logout_tokens[role])
            log(f"{backend}: schemathesis as {role}")
            started = time.monotonic()
            cmd = [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{server.base}/v1/openapi.json",
                "--max-examples",
                str(args.max_examples),
                "--seed",
                str(args.seed),
                "--workers",
                str(args.workers),
                "-H",
                f"Authorization: Bearer {token}",
                "--no-color",
                "--report",
                "junit,ndjson",
                "--report-dir",
                str(report_root / role),
                *args.extra,
            ]
            result = subprocess.run(cmd)
            log(f"{backend}/{role}: exit {result.returncode} in {time.monotonic() - started:.0f} s")
            if result.returncode != 0:
                ok = False
            # The session the fuzzer used must have lasted to the end, or the
            # later operations were only ever answered 401.
            client.call("GET", "/v1/me", token)
    finally:
        server.stop()
        if not ok:
            shutil.copy(server.log_path, report_root / "server.log")
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(REPO / "target/debug/friskliv"))
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--role", dest="roles", action="append", choices=["participant", "veileder"])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("FRISKLIV_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FRISKLIV_FUZZ_SEED", "1")))
    # One worker: generation is CPU-bound in Python (more workers gain nothing
    # on two cores), and CPython 3.11 can fail parsing in threads
    # ("AST constructor recursion depth mismatch").
    parser.add_argument("--workers", default="1")
    parser.add_argument("--report-dir", default=str(REPO / "target/contract-report"))
    parser.add_argument("extra", nargs="*", help="more arguments for `schemathesis run` (after --)")
    args = parser.parse_args()
    args.roles = args.roles or ["participant", "veileder"]
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    started = time.monotonic()
    results = {backend: run_backend(args, backend) for backend in backends}
    log(f"done in {time.monotonic() - started:.0f} s: " + ", ".join(f"{b}: {'ok' if r else 'FAILED'}" for b, r in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
