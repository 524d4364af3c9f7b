"""``LocalStack``: the whole platform on one machine, offline, on embedded defaults.

Start order: moto server (with the dispatcher hook and the dirty tracker) -> environment as a
deployed Lambda would see it -> buckets and tables -> restore the last snapshot -> functions,
queues, state machines, schedules -> bucket notifications -> re-drive unfinished jobs ->
snapshot loop, drop folder, scheduler, HTTP server. Stop runs the other way and ends with a
final snapshot, so a graceful restart loses nothing.

Environment variables
---------------------
SOUNDMOSAIC_DATA_DIR
    Where local state, the drop folder and the dev-token secret live (default ``./.data``).
SOUNDMOSAIC_SNAPSHOT_SECONDS
    Snapshot interval (default 2): the most a crash can lose.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from werkzeug.serving import BaseWSGIServer, make_server

from soundmosaic.platform import auth, aws, catalogue, jobs
from soundmosaic.platform.catalogue import physical_name
from soundmosaic.runtime import dispatcher, provision
from soundmosaic.runtime.dropfolder import DropFolder
from soundmosaic.runtime.http_api import LocalApiGateway
from soundmosaic.runtime.persistence import DirtyTracker, SnapshotLoop, Snapshotter
from soundmosaic.runtime.scheduler import Scheduler

log = logging.getLogger(__name__)
STAGE = "local"
DEFAULT_ARTIST = "local-artist"
SPA_DIR = catalogue.REPO_ROOT / "web" / "dist"


def default_data_dir() -> Path:
    return Path(os.environ.get("SOUNDMOSAIC_DATA_DIR", ".data")).resolve()


@dataclass
class RuntimeInfo:
    """What a running stack publishes in ``<data>/runtime.json`` for the CLI."""

    api_url: str
    aws_endpoint: str
    pid: int
    data_dir: str
    drop_folder: str

    @staticmethod
    def read(data_dir: Path) -> RuntimeInfo | None:
        path = data_dir / "runtime.json"
        if not path.exists():
            return None
        info = RuntimeInfo(**json.loads(path.read_text()))
        try:
            os.kill(info.pid, 0)
        except OSError:
            return None  # left behind by a stack that is gone
        return info


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _Server(threading.Thread):
    def __init__(self, server: BaseWSGIServer, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.server = server

    def run(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.join(timeout=10)


class LocalStack:
    def __init__(self, data_dir: Path | None = None, host: str = "127.0.0.1", port: int = 8787,
                 snapshot_s: float | None = None, background: bool = True) -> None:
        self.data_dir = (data_dir or default_data_dir()).resolve()
        self.host, self.port = host, port
        self.snapshot_s = snapshot_s or float(os.environ.get("SOUNDMOSAIC_SNAPSHOT_SECONDS", "2"))
        self.background = background  # drop folder and scheduler threads
        self.drop_folder_path = self.data_dir / "drop"
        self._threads: list[Any] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> LocalStack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        moto_port = _free_port(self.host)
        self.aws_endpoint = f"http://{self.host}:{moto_port}"
        self._configure_environment(moto_port)
        self.tracker = self._start_moto(moto_port)
        provision.create_storage(STAGE)
        self.snapshotter = Snapshotter(self.data_dir / "state", STAGE)
        restored = self.snapshotter.restore()
        provision.create_compute(STAGE, self.aws_endpoint)
        provision.create_notifications(STAGE)
        self.resumed = self.resume_jobs()
        log.info("restored %s, resumed %d jobs", restored, len(self.resumed))
        loop = SnapshotLoop(self.snapshotter, self.tracker, self.snapshot_s)
        loop.start()
        self._threads.append(loop)
        self.drop = DropFolder(self.drop_folder_path, physical_name(STAGE, "uploads"), DEFAULT_ARTIST)
        self.scheduler = Scheduler(physical_name(STAGE, ""))
        if self.background:
            for worker in (self.drop, self.scheduler):
                worker.start()
                self._threads.append(worker)
        gateway = LocalApiGateway(physical_name(STAGE, "api"), self.jwt_secret, SPA_DIR)
        port = self.port or _free_port(self.host)
        api = _Server(make_server(self.host, port, gateway, threaded=True), "soundmosaic-http")
        api.start()
        self._threads.append(api)
        self.api_url = f"http://{self.host}:{port}"
        (self.data_dir / "runtime.json").write_text(json.dumps(RuntimeInfo(
            self.api_url, self.aws_endpoint, os.getpid(), str(self.data_dir),
            str(self.drop_folder_path)).__dict__))
        return self

    def stop(self) -> None:
        for worker in reversed(self._threads):
            worker.stop()  # the snapshot loop takes its final snapshot here
        self._threads.clear()
        self.moto.stop()
        (self.data_dir / "runtime.json").unlink(missing_ok=True)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- parts ------------------------------------------------------------------------------

    @property
    def jwt_secret(self) -> str:
        path = self.data_dir / "dev-jwt-secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def dev_token(self, artist_id: str = DEFAULT_ARTIST, holder_id: str | None = None) -> str:
        return auth.mint_dev_token(self.jwt_secret, artist_id, holder_id=holder_id)

    def _configure_environment(self, moto_port: int) -> None:
        os.environ.update({
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": provision.REGION, "AWS_REGION": provision.REGION,
            "MOTO_PORT": str(moto_port),  # moto's Step Functions interpreter calls back here
            "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            **provision.environment(STAGE, self.aws_endpoint),
        })
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        aws.reset()

    def _start_moto(self, port: int) -> DirtyTracker:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call is noise
        # moto logs every failed state with its whole parse tree; the job record holds the reason.
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        dispatcher.install_moto_hook()
        dispatcher.register(STAGE)
        tracker = DirtyTracker(DomainDispatcherApplication(create_backend_app))

        class TrackedMotoServer(ThreadedMotoServer):
            def _server_entry(self) -> None:
                self._server = make_server(self._ip_address, self._port, tracker, True,
                                           request_handler=MotoRequestHandler)
                self._server_ready_event.set()
                self._server.serve_forever()

        self.moto = TrackedMotoServer(ip_address=self.host, port=port, verbose=False)
        self.moto.start()
        # moto's backends are module globals: start from empty, or a second stack in this
        # process would see the first one's memory instead of what was saved on disk.
        for path, body in (("reset", {}),
                           ("config", {"stepfunctions": {"execute_state_machine": True}})):
            httpx.post(f"{self.aws_endpoint}/moto-api/{path}", json=body, timeout=10).raise_for_status()
        return tracker

    def resume_jobs(self) -> list[str]:
        """Re-drive ingest jobs a stop or crash left unfinished; fail those that cannot be."""
        store = jobs.JobStore()
        s3, sfn = aws.client("s3"), aws.client("stepfunctions")
        resumed = []
        for job in store.scan_unfinished():
            subject = job.subject
            try:
                s3.head_object(Bucket=subject["bucket"], Key=subject["key"])
            except Exception:
                store.fail(job.artist_id, job.job_id,
                           "interrupted by a restart and its upload is no longer there")
                continue
            sfn.start_execution(
                stateMachineArn=os.environ["INGEST_STATE_MACHINE"],
                name=f"{job.job_id}-resumed-{secrets.token_hex(3)}",
                input=json.dumps({"artist_id": job.artist_id, "job_id": job.job_id,
                                  "bucket": subject["bucket"], "key": subject["key"],
                                  "correlation_id": job.correlation_id}))
            resumed.append(job.job_id)
        return resumed
