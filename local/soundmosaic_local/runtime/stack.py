"""``LocalStack``: the whole platform on one machine, offline, on embedded defaults.

Start order: moto server (with the dispatcher hook and the dirty tracker) -> environment as a
deployed Lambda would see it -> the sandbox distributor -> buckets and tables -> restore the
last snapshot and replay the write journal after it (``persistence``) -> functions, queues,
state machines, schedules -> bucket notifications ->
re-drive unfinished jobs and publications -> queue pollers, snapshot loop, drop folder,
scheduler, HTTP server -> the demo catalog (first start, in the background). Stop runs the
other way and ends with a final snapshot, so a graceful restart loses nothing.

The sandbox distributor (``soundmosaic_local.fixtures.sandbox_distributor``) is the embedded default
for publishing: a local HTTP server on a free port keeping its state under
``<data>/distributor``. It is not started when ``SOUNDMOSAIC_DISTRIBUTOR_URL`` names a real
distributor.

Environment variables
---------------------
SOUNDMOSAIC_DATA_DIR
    Where local state, the drop folder and the dev-token secret live (default ``./.data``).
SOUNDMOSAIC_SNAPSHOT_SECONDS
    Snapshot interval (default 2). Every acknowledged S3 and DynamoDB write is journaled and
    fsynced before its answer, so a crash loses none; snapshots only keep the journal short.
SOUNDMOSAIC_JOURNAL
    ``off`` stops journaling writes (snapshots only: a crash loses up to one interval).
SOUNDMOSAIC_DISTRIBUTOR_URL, SOUNDMOSAIC_DISTRIBUTOR_TOKEN
    A real distributor to publish to instead of the local sandbox.
SOUNDMOSAIC_DEMO_CATALOG
    ``off`` skips loading the demo catalog on a first start (it renders 16 songs: CPU for
    about 20 s); load it later with ``LocalStack.load_demo_catalog``.
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
from typing import Any, Self

import httpx
from soundmosaic.booth import delivery, service
from soundmosaic.library import ingest
from soundmosaic.platform import aws, jobs, resources
from soundmosaic.platform.resources import physical_name

from soundmosaic_local import dev_tokens
from soundmosaic_local.fixtures.sandbox_distributor import SandboxDistributor
from soundmosaic_local.http_server import LocalHttpServer, StartStop
from soundmosaic_local.mail import MailCatcher
from soundmosaic_local.mongo import local as mongo_local
from soundmosaic_local.mongo.server import MongoWireServer
from soundmosaic_local.runtime import dispatcher, kms_keys, provision
from soundmosaic_local.runtime.dropfolder import DropFolder
from soundmosaic_local.runtime.http_api import LocalApiGateway
from soundmosaic_local.runtime.persistence import DirtyTracker, SnapshotLoop, Snapshotter
from soundmosaic_local.runtime.queues import QueuePoller
from soundmosaic_local.runtime.scheduler import Scheduler

log = logging.getLogger(__name__)
STAGE = "local"
DEFAULT_ARTIST = "local-artist"
SPA_DIR = resources.REPO_ROOT / "web" / "dist"


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
    distributor_url: str | None = None  # the sandbox's, or the real distributor's
    demo_catalog: str | None = None  # folder of the demo songs' audio
    mongodb_uri: str | None = None  # Sieb's MongoDB (the embedded wire server, or MONGODB_URI)

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


class LocalStack(StartStop):
    def __init__(self, data_dir: Path | None = None, host: str = "127.0.0.1", port: int = 8787,
                 snapshot_s: float | None = None, background: bool = True) -> None:
        self.data_dir = (data_dir or default_data_dir()).resolve()
        self.host, self.port = host, port
        self.snapshot_s = snapshot_s or float(os.environ.get("SOUNDMOSAIC_SNAPSHOT_SECONDS", "2"))
        self.background = background  # drop folder and scheduler threads
        self.drop_folder_path = self.data_dir / "drop"
        self.demo_catalog_path = self.data_dir / "demo-catalog"
        self.demo_catalog_status = "not loaded"
        self.sieb_sample_status = "not loaded"
        self.mongo: MongoWireServer | None = None
        self.distributor: SandboxDistributor | None = None
        self.mail: MailCatcher | None = None
        self._environment_before: dict[str, str] = {}
        self._threads: list[Any] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        # The stack points this process at itself through the environment (AWS_ENDPOINT_URL, the
        # resource names, MONGODB_URI, the distributor); stop() puts the environment back, so a
        # process that ran a stack for one command (the CLI, a test) does not keep a dead endpoint.
        self._environment_before = dict(os.environ)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        moto_port = _free_port(self.host)
        self.aws_endpoint = f"http://{self.host}:{moto_port}"
        self._configure_environment(moto_port)
        self._start_distributor()
        self._start_mail_catcher()
        self.tracker = self._start_moto(moto_port)
        provision.create_storage(STAGE)
        kms_keys.keep(self.data_dir / "kms", STAGE)  # moto's keys are in memory: keep them
        self.snapshotter = Snapshotter(self.data_dir / "state", STAGE)
        restored = self.snapshotter.restore(self.tracker)  # replays the journal, then journals
        provision.create_compute(STAGE, self.aws_endpoint)
        provision.create_notifications(STAGE)
        self.mongo = mongo_local.start(self.data_dir, self.host)  # Sieb's MongoDB (docs/sieb.md)
        self.resumed = self.resume_jobs()
        self.requeued = self.resume_publications()
        log.info("restored %s, resumed %d jobs, re-queued %d publications", restored, len(self.resumed),
                 len(self.requeued))
        for queue in resources.QUEUES:
            if queue.key in provision.POLLED_QUEUES:
                poller = QueuePoller(os.environ[queue.env], physical_name(STAGE, queue.consumer))
                poller.start()
                self._threads.append(poller)
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
        api = LocalHttpServer(host=self.host, port=self.port, name="soundmosaic-http", app=gateway).start()
        self._threads.append(api)
        self.api_url = api.url
        os.environ.setdefault(service.PUBLIC_URL_ENV, self.api_url)  # the SPA it serves: booth links
        (self.data_dir / "runtime.json").write_text(json.dumps(RuntimeInfo(
            self.api_url, self.aws_endpoint, os.getpid(), str(self.data_dir),
            str(self.drop_folder_path), self.distributor_url, str(self.demo_catalog_path),
            os.environ.get("MONGODB_URI")).__dict__))
        if os.environ.get("SOUNDMOSAIC_DEMO_CATALOG", "").lower() in ("off", "0", "false", "no"):
            self.demo_catalog_status = "off (SOUNDMOSAIC_DEMO_CATALOG)"
        elif self.background:
            self.demo_catalog_status = "checked in the background: loaded on a first start"
            threading.Thread(target=self.load_demo_catalog, name="demo-catalog", daemon=True).start()
        if self.background:
            threading.Thread(target=self.load_sieb_sample, name="sieb-sample", daemon=True).start()
        return self

    def load_sieb_sample(self) -> None:
        """The Sieb sample collections, on a first start (seconds: in the background)."""
        self.sieb_sample_status = "loading"
        try:
            self.sieb_sample_status = mongo_local.load_sample()
        except Exception as err:
            log.warning("sieb sample data not loaded: %s", err)
            self.sieb_sample_status = f"failed: {err}"

    def stop(self) -> None:
        for worker in reversed(self._threads):
            worker.stop()  # the snapshot loop takes its final snapshot here
        self._threads.clear()
        dispatcher.stop_workers()  # container tasks still running end with the stack
        self.moto.stop()
        mongo_local.stop(self.mongo)
        self.snapshotter.close()  # the journal and the snapshot store
        if self.distributor is not None:
            self.distributor.stop()
            self.distributor = None
        if self.mail is not None:
            self.mail.stop()
            self.mail = None
        (self.data_dir / "runtime.json").unlink(missing_ok=True)
        os.environ.clear()
        os.environ.update(self._environment_before)
        aws.reset()

    # -- parts ------------------------------------------------------------------------------

    @property
    def jwt_secret(self) -> str:
        path = self.data_dir / "dev-jwt-secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def dev_token(self, artist_id: str = DEFAULT_ARTIST, holder_id: str | None = None,
                  groups: tuple[str, ...] = (), booth_role: str | None = None,
                  booth_event: str | None = None) -> str:
        return dev_tokens.mint(self.jwt_secret, artist_id, holder_id=holder_id, groups=groups,
                               booth_role=booth_role, booth_event=booth_event)

    def _configure_environment(self, moto_port: int) -> None:
        os.environ.update({
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": provision.REGION, "AWS_REGION": provision.REGION,
            "MOTO_PORT": str(moto_port),  # moto's Step Functions interpreter calls back here
            "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            **provision.environment(STAGE, self.aws_endpoint),
            # AlbumDreamer's SQL database: SQLite in the data directory (Aurora in AWS).
            "ALBUMS_DATABASE_URL": f"sqlite:///{self.data_dir.resolve() / 'albums.sqlite3'}",
        })
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        aws.reset()

    @property
    def distributor_url(self) -> str | None:
        return os.environ.get("SOUNDMOSAIC_DISTRIBUTOR_URL")

    def _start_distributor(self) -> None:
        """The sandbox distributor, unless the user points at a real one."""
        if os.environ.get("SOUNDMOSAIC_DISTRIBUTOR_URL"):
            log.info("publishing to %s", os.environ["SOUNDMOSAIC_DISTRIBUTOR_URL"])
            return
        self.distributor = SandboxDistributor(host=self.host, token=secrets.token_urlsafe(16),
                                              data_dir=self.data_dir / "distributor").start()
        os.environ.update(self.distributor.env())

    def _start_mail_catcher(self) -> None:
        """The booth's mail goes to the local catcher, unless the user names a server (BOOTH_MAIL)."""
        if os.environ.get(delivery.MAIL_ENV):
            return
        self.mail = MailCatcher(self.data_dir / "mail", host=self.host).start()
        os.environ[delivery.MAIL_ENV] = self.mail.url

    def load_demo_catalog(self) -> int:
        """Load the offline demo catalog if the catalog table is empty; returns songs loaded.

        Renders 16 songs with FluidSynth into ``<data>/demo-catalog`` (kept for the next start)
        and writes their recordings, works and fingerprints. A catalog with anything in it is
        left alone: an operator's catalog is never mixed with the demo.
        """
        from soundmosaic.catalog.store import CatalogStore

        from soundmosaic_local.fixtures import demo_catalog

        table = os.environ["CATALOG_TABLE"]
        if aws.client("dynamodb").scan(TableName=table, Limit=1, Select="COUNT")["Count"]:
            demo = any(self.demo_catalog_path.glob("demo-*.wav"))
            self.demo_catalog_status = "loaded before" if demo else "the catalog has entries: no demo loaded"
            return 0
        self.demo_catalog_status = "loading"
        try:
            songs = demo_catalog.build(self.demo_catalog_path, CatalogStore())
        except Exception as err:  # no fluidsynth or soundfont: the stack still runs, without a demo
            self.demo_catalog_status = f"failed: {err}"
            log.warning("the demo catalog could not be built: %s", err)
            return 0
        self.demo_catalog_status = f"loaded {len(songs)} songs"
        return len(songs)

    def resume_publications(self) -> list[str]:
        """Queue again the publications a stop left unfinished (queued messages are not kept)."""
        from soundmosaic.publishing import outbox, service

        unfinished = (outbox.QUEUED, outbox.PACKAGING, outbox.SENDING, outbox.FAILED_RETRYING)
        box = service.outbox()
        try:
            return box.sweep(statuses=unfinished, everything=True)
        finally:
            box.distributor.close()

    def _start_moto(self, port: int) -> DirtyTracker:
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
        self.moto = LocalHttpServer(host=self.host, port=port, name="moto", app=tracker,
                                    request_handler=MotoRequestHandler).start()
        # moto's backends are module globals: start from empty, or a second stack in this
        # process would see the first one's memory instead of what was saved on disk.
        for path, body in (("reset", {}),
                           ("config", {"stepfunctions": {"execute_state_machine": True}})):
            httpx.post(f"{self.aws_endpoint}/moto-api/{path}", json=body, timeout=10).raise_for_status()
        return tracker

    def resume_jobs(self) -> list[str]:
        """Re-drive ingest jobs a stop or crash left unfinished; fail those that cannot be."""
        return resume_ingest_jobs()


def resume_ingest_jobs() -> list[str]:
    """Re-drive ingest jobs a stop or crash left unfinished (a new execution for the same job, with
    the upload its job recorded); fail those whose upload is gone. Returns the re-driven job ids."""
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
        # A job recorded before the upload carried its track id gets one now.
        upload = (ingest.Upload.from_dict(subject) if "track_id" in subject else
                  ingest.Upload.parse(subject["bucket"], subject["key"],
                                      int(subject.get("size_bytes", 0))))
        if upload is None:
            store.fail(job.artist_id, job.job_id, "interrupted by a restart; not an upload key")
            continue
        sfn.start_execution(
            stateMachineArn=os.environ[ingest.MACHINE],
            name=f"{job.job_id}-resumed-{secrets.token_hex(3)}",
            input=json.dumps({"artist_id": job.artist_id, "job_id": job.job_id,
                              "correlation_id": job.correlation_id, **ingest.workflow_input(upload)}))
        resumed.append(job.job_id)
    return resumed
