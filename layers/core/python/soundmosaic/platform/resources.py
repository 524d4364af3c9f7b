"""The one list of AWS resources, shared by the CDK app and the local runtime.

Every bucket, table, queue, function, state machine and schedule is named here once. The CDK
stacks create them from these entries and hand their physical names to the Lambdas through the
environment variables named here; the local runtime creates the very same resources in moto and
sets the same variables. Neither side spells a resource name of its own, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _checkout_root(here: Path) -> Path:
    """The repository that holds this file as ``layers/core/python/soundmosaic/platform/``.

    Deployed there is no checkout: the layer is unpacked at ``/opt/python`` and the images copy
    it to ``/var/task``, fewer than six folders deep, so a fixed ``parents[5]`` would fail the
    import of every function. There the package's parent folder stands in; nothing deployed
    reads the paths below, which only the CLI, the local runtime and the CDK app use.
    """
    up = here.parents
    if len(up) > 5 and (up[4].name, up[3].name, up[2].name) == ("layers", "core", "python"):
        return up[5]
    return up[2]


REPO_ROOT = _checkout_root(Path(__file__).resolve())
STATEMACHINES_DIR = REPO_ROOT / "statemachines"
FUNCTIONS_DIR = REPO_ROOT / "functions"


@dataclass(frozen=True)
class Bucket:
    key: str
    env: str
    purpose: str
    # S3 prefixes whose ObjectCreated events go to the queue ``notify_queue``.
    notify_prefixes: tuple[str, ...] = ()
    notify_queue: str | None = None


@dataclass(frozen=True)
class Table:
    key: str
    env: str
    purpose: str
    partition_key: str = "artist_id"
    sort_key: str | None = None
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class Secret:
    key: str
    env: str
    purpose: str
    initial: str = "{}"  # what a new secret holds until an operator puts the real value


@dataclass(frozen=True)
class Key:
    """A KMS key for envelope encryption. Only the listed functions get ``kms:GenerateDataKey``
    (seal) or ``kms:Decrypt`` (open): the CDK grants exactly these (tests/infra)."""

    key: str
    env: str  # carries the key's alias: ``alias/soundmosaic-<stage>-<key>``
    purpose: str
    encrypt: tuple[str, ...] = ()  # function keys
    decrypt: tuple[str, ...] = ()


@dataclass(frozen=True)
class Expiry:
    """An S3 lifecycle rule: objects under ``prefix`` of ``bucket`` (and carrying ``tag``, if
    given) expire after ``days``. Where several rules match, S3 applies the shortest."""

    bucket: str
    prefix: str
    days: int
    purpose: str
    tag: tuple[str, str] | None = None


@dataclass(frozen=True)
class Queue:
    key: str
    env: str
    purpose: str
    consumer: str  # function key
    visibility_timeout_s: int = 900
    max_receive_count: int = 5


@dataclass(frozen=True)
class Function:
    key: str
    handler: str  # module:attribute under functions/, e.g. "api.app:handler"
    purpose: str
    memory_mb: int = 512
    timeout_s: int = 30
    env: str = ""  # variable that carries this function's name/ARN to others, if any

    @property
    def module(self) -> str:
        return "functions." + self.handler.split(":")[0]

    @property
    def attribute(self) -> str:
        return self.handler.split(":")[1]

    @property
    def asset_dir(self) -> Path:
        return FUNCTIONS_DIR / self.handler.split(".")[0]

    @property
    def lambda_handler(self) -> str:
        """Handler string as Lambda sees it inside the function's own asset folder."""
        module = self.handler.split(":")[0].split(".", 1)[1]
        return f"{module}.{self.attribute}"


@dataclass(frozen=True)
class ContainerTask:
    """A container image run as an ECS Fargate task by a state machine (``ecs:runTask``): the
    path for work beyond a Lambda's limits (``soundmosaic.audio.routing``, docs/compute.md)."""

    key: str
    container: str  # containers/<container>/Dockerfile
    worker: str  # the module the task runs (``python -m``): the stage handler behind a task token
    purpose: str
    cpu: int = 4096  # Fargate CPU units (4 vCPU)
    memory_mb: int = 16384
    ephemeral_gib: int = 100  # Fargate allows 21..200 GiB: a 2-hour track's stems need ~14 GB
    timeout_s: int = 4 * 3600  # TimeoutSeconds of the waiting state
    heartbeat_s: int = 300  # the worker beats every heartbeat_s / 5: a dead task fails fast

    @staticmethod
    def placeholders(prefix: str) -> tuple[str, ...]:
        """ASL placeholders a state machine uses for a task: ``${<prefix>Cluster}`` etc."""
        return tuple(prefix + part for part in ("Cluster", "TaskDefinition", "Subnet", "SecurityGroup"))


@dataclass(frozen=True)
class StateMachine:
    key: str
    file: str
    env: str
    purpose: str
    # ASL "${Name}" placeholders -> function keys whose ARNs replace them.
    functions: dict[str, str] = field(default_factory=dict)
    # ASL placeholder prefixes -> container task keys (see ContainerTask.placeholders).
    tasks: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return STATEMACHINES_DIR / self.file


@dataclass(frozen=True)
class SqlDatabase:
    """A SQL database: Aurora Serverless v2 PostgreSQL (Data API) in AWS, SQLite locally. ``env``
    carries its URL (``rds-data://<cluster ARN>?secret=<secret ARN>&database=<name>``)."""

    key: str
    env: str
    purpose: str
    database_name: str


@dataclass(frozen=True)
class Schedule:
    key: str
    expression: str
    target: str  # function key
    purpose: str


BUCKETS = (
    Bucket("uploads", "UPLOADS_BUCKET", "presigned uploads and the drop/ folder",
           notify_prefixes=("uploads/", "drop/"), notify_queue="ingest"),
    Bucket("media", "MEDIA_BUCKET", "library originals, derived media, exports, artistDNA"),
    Bucket("quarantine", "QUARANTINE_BUCKET", "uploads that failed validation, kept as sent"),
)

TABLES = (
    Table("tracks", "TRACKS_TABLE", "library records, newest first", sort_key="track_id"),
    Table("jobs", "JOBS_TABLE", "jobs with status, stage, percent", sort_key="job_id"),
    # soundmosaic.platform.search: which snapshot in the media bucket is each artist's index.
    Table("search", "SEARCH_TABLE", "search index heads: the current version of each artist's index",
          sort_key="index"),
    Table("idempotency", "IDEMPOTENCY_TABLE", "Powertools idempotency records",
          partition_key="id", ttl_attribute="expiration"),
    # The royalty ledger (soundmosaic.royalties.tables): append-only, retained, deletion-protected.
    Table("royalty-ledger", "LEDGER_TABLE", "royalty ledger entries, line claims, imports",
          partition_key="pk", sort_key="sk"),
    Table("royalty-audit", "AUDIT_TABLE", "royalty audit log: one record before and after each write",
          partition_key="pk", sort_key="sk"),
    Table("royalty-provenance", "PROVENANCE_TABLE", "generated tracks' provenance versions and owners",
          partition_key="pk", sort_key="sk"),
    # Song generation (soundmosaic.catalog.store, .projects, .publishing.outbox).
    Table("catalog", "CATALOG_TABLE", "song catalog: works, rights holders, recordings, ISRCs, fingerprints",
          partition_key="pk", sort_key="sk"),
    Table("generation", "GENERATION_TABLE", "generation projects: reference songs and matches, takes",
          partition_key="pk", sort_key="sk"),
    Table("publications", "PUBLICATIONS_TABLE", "publishing outbox: one record per release and content",
          partition_key="pk", sort_key="sk"),
    # The writers' room (soundmosaic.writers.store, .notes): rooms, members, documents, turns, calls, notes.
    Table("writers", "WRITERS_TABLE", "writers' rooms: members, documents, chat turns, model calls",
          partition_key="pk", sort_key="sk"),
    # The event booth (soundmosaic.booth.store): events, participants (PII sealed), codes, prints.
    Table("booth", "BOOTH_TABLE", "event booth: events, participants, download codes, prints, audit",
          partition_key="pk", sort_key="sk", ttl_attribute="expires_at"),
)

# The booth's participant PII (soundmosaic.booth.crypto): the API captures, and opens it for the
# organiser's views and the delivery mail; the workflow's functions never hold PII.
KEYS = (
    Key("booth-pii", "BOOTH_PII_KEY", "envelope encryption of booth participants' name, e-mail, phone",
        encrypt=("api",), decrypt=("api", "booth-notify")),
)

# Booth media (photos, clips, videos, print images) live under booth/<event>/<participant>/ in the
# media bucket and carry their event's retention as a tag; one rule per choice expires them, and
# media without the tag go after the longest choice (docs/booth.md, "Retention").
BOOTH_MEDIA_PREFIX = "booth/"
BOOTH_RETENTION_TAG = "booth-retention-days"
BOOTH_RETENTION_CHOICES = (7, 14, 30, 60, 90, 180, 365)
EXPIRIES = (
    Expiry("media", BOOTH_MEDIA_PREFIX, max(BOOTH_RETENTION_CHOICES),
           "event booth media without a retention tag: the longest retention"),
    *(Expiry("media", BOOTH_MEDIA_PREFIX, days, f"event booth media of events keeping them {days} days",
             tag=(BOOTH_RETENTION_TAG, str(days))) for days in BOOTH_RETENTION_CHOICES),
)

FUNCTIONS = (
    Function("api", "api.app:handler", "the HTTP API (API Gateway HTTP API v2)"),
    Function("ingest", "ingest.app:handler", "S3 upload events from the ingest queue -> job + workflow",
             timeout_s=60),
    Function("probe", "probe.app:handler", "workflow step: ffprobe an upload, record or quarantine it",
             memory_mb=1024, timeout_s=300, env="PROBE_FUNCTION"),
    Function("jobs", "jobs.app:handler", "workflow step: move a job to a stage, percent or end state",
             env="JOBS_FUNCTION"),
    Function("audio", "audio.app:handler",
             "audio lab stages: decode, separate, analyse, MIDI, lyrics, samples, export",
             memory_mb=10240, timeout_s=900, env="AUDIO_FUNCTION"),
    Function("refresh", "refresh.app:handler", "weekly maintenance: stale jobs, uploads, summaries",
             timeout_s=900),
    Function("studio", "studio.app:handler",
             "asset studio steps: artwork candidates, contact sheets, video loops",
             memory_mb=3008, timeout_s=900, env="STUDIO_FUNCTION"),
    Function("royalties", "royalties.app:handler",
             "statement import steps: plan the parts, import a part into the ledger, summarise",
             memory_mb=1024, timeout_s=900, env="ROYALTIES_FUNCTION"),
    Function("generation", "generation.app:handler",
             "song generation steps: identify a song in the catalog, prepare its notes, generate a take",
             memory_mb=4096, timeout_s=900, env="GENERATION_FUNCTION"),
    Function("publishing", "publishing.app:handler",
             "publishing outbox consumer: package a release, send it to the distributor",
             memory_mb=1024, timeout_s=300),
    Function("writers", "writers.app:handler", "writers' room: the script ingest workflow's steps",
             memory_mb=2048, timeout_s=900, env="WRITERS_FUNCTION"),
    # The same code as ``writers``, for the chat queue and the weekly refresh: a queue consumer
    # lives in the ingest stack, which already depends on the workflows stack (it starts them).
    Function("writers-chat", "writers.app:handler",
             "writers' room: chat turns (Claude streaming into the turn), the weekly refresh",
             memory_mb=1024, timeout_s=300),
    Function("stories", "stories.app:handler",
             "stories room steps: a song's story, its collages, the album's contact sheet",
             memory_mb=3008, timeout_s=900, env="STORIES_FUNCTION"),
    # The event booth (docs/booth.md): the workflows' steps hold no PII; only booth-notify may open it.
    Function("booth", "booth.app:handler",
             "event booth steps: plan a swap or matte, one chunk of frames, encode, print image, ready",
             memory_mb=4096, timeout_s=900, env="BOOTH_FUNCTION"),
    Function("booth-notify", "booth.notify:handler",
             "event booth: mail the participant their download link (the one step that opens PII)",
             timeout_s=60, env="BOOTH_NOTIFY_FUNCTION"),
    Function("sieb", "sieb.app:handler",
             "Sieb loader: a tenant's <collection>.jsonl files (uploads bucket) into its MongoDB database",
             memory_mb=2048, timeout_s=900),
    Function("albums", "stories.albums:handler",
             "AlbumDreamer steps: freeze the plan, a track's image or music, cover, site zip, SQL database",
             memory_mb=4096, timeout_s=900, env="ALBUMS_FUNCTION"),
)

SECRETS = (
    Secret("provider-keys", "PROVIDER_KEYS_SECRET",
           "vendor keys ModelMosaic reads: a JSON object such as {\"REPLICATE_API_TOKEN\": \"...\"}"),
    Secret("mongodb-uri", "MONGODB_SECRET",
           "Sieb's MongoDB: the connection string (mongodb+srv://...) of the Atlas cluster (docs/sieb.md)"),
)

QUEUES = (
    Queue("ingest", "INGEST_QUEUE", "S3 ObjectCreated events of the uploads bucket", consumer="ingest"),
    # The outbox gives up after its own attempts (with backoff); the DLQ only catches the rest.
    Queue("publish", "PUBLISH_QUEUE", "publishing outbox messages: one per publication request",
          consumer="publishing", visibility_timeout_s=720, max_receive_count=10),
    Queue("writers-turns", "WRITERS_TURNS_QUEUE", "writers' room chat turns to answer",
          consumer="writers-chat",
          max_receive_count=2),
)

STATE_MACHINES = (
    StateMachine("ingest", "library_ingest.asl.json", "INGEST_STATE_MACHINE",
                 "validate an upload, record the track, finish the job",
                 functions={"ProbeFunctionArn": "probe", "JobsFunctionArn": "jobs"}),
    StateMachine("audio", "audio_pipeline.asl.json", "AUDIO_STATE_MACHINE",
                 "the audio lab: stems, MIDI, lyrics, samples, analysis, export",
                 functions={"AudioFunctionArn": "audio", "JobsFunctionArn": "jobs"},
                 tasks={"AudioTask": "audio"}),
    StateMachine("export", "audio_export.asl.json", "EXPORT_STATE_MACHINE",
                 "one DAW zip for a collection or selection of tracks",
                 functions={"AudioFunctionArn": "audio", "JobsFunctionArn": "jobs"},
                 tasks={"AudioTask": "audio"}),
    StateMachine("artwork_batch", "studio_artwork_batch.asl.json", "ARTWORK_BATCH_STATE_MACHINE",
                 "artwork candidates for one brief or a batch of tracks, then a contact sheet",
                 functions={"StudioFunctionArn": "studio", "JobsFunctionArn": "jobs"}),
    StateMachine("video", "studio_video_loop.asl.json", "VIDEO_STATE_MACHINE",
                 "a seamless video loop from a chosen artwork (+ the track's first seconds)",
                 functions={"StudioFunctionArn": "studio", "JobsFunctionArn": "jobs"}),
    StateMachine("statement_import", "royalties_statement_import.asl.json", "STATEMENT_IMPORT_STATE_MACHINE",
                 "import a royalty statement file into the ledger, in parts of lines",
                 functions={"RoyaltiesFunctionArn": "royalties", "JobsFunctionArn": "jobs"}),
    StateMachine("song_identify", "generation_identify.asl.json", "SONG_IDENTIFY_STATE_MACHINE",
                 "fingerprint a project's reference songs and match each to the catalog",
                 functions={"GenerationFunctionArn": "generation", "JobsFunctionArn": "jobs"}),
    StateMachine("song_generation", "generation_take.asl.json", "SONG_GENERATION_STATE_MACHINE",
                 "match check -> each song's notes -> generate -> render -> store a take and its provenance",
                 functions={"GenerationFunctionArn": "generation", "JobsFunctionArn": "jobs"}),
    StateMachine("stories_make", "stories_make.asl.json", "STORIES_MAKE_STATE_MACHINE",
                 "an album's stories and collages: per song story -> collages, then the contact sheet",
                 functions={"StoriesFunctionArn": "stories", "JobsFunctionArn": "jobs"}),
    StateMachine("booth_swap", "booth_swap.asl.json", "BOOTH_SWAP_STATE_MACHINE",
                 "event booth face swap: plan -> swap chunks (Map) -> encode 1080p -> print image -> notify",
                 functions={"BoothFunctionArn": "booth", "BoothNotifyFunctionArn": "booth-notify",
                            "JobsFunctionArn": "jobs"}),
    StateMachine("booth_background", "booth_background.asl.json", "BOOTH_BACKGROUND_STATE_MACHINE",
                 "event booth background replacement: plan -> matte chunks (Map) -> encode -> notify",
                 functions={"BoothFunctionArn": "booth", "BoothNotifyFunctionArn": "booth-notify",
                            "JobsFunctionArn": "jobs"}),
    StateMachine("writers_ingest", "writers_ingest.asl.json", "WRITERS_INGEST_STATE_MACHINE",
                 "a script: parse -> chunk by scene, embed, index -> the room's bible and digest",
                 functions={"WritersFunctionArn": "writers"}),
    StateMachine("album_plan", "album_plan.asl.json", "ALBUM_PLAN_STATE_MACHINE",
                 "the album director through an LLM (longer than an API request may take)",
                 functions={"AlbumsFunctionArn": "albums", "JobsFunctionArn": "jobs"}),
    StateMachine("album", "album.asl.json", "ALBUM_STATE_MACHINE",
                 "an album from its plan: per track image || music, then cover, site zip, SQL database",
                 functions={"AlbumsFunctionArn": "albums", "JobsFunctionArn": "jobs"}),
)

# Long or large audio work: the ``audio`` Lambda's image and stage handler, on Fargate.
CONTAINER_TASKS = (
    ContainerTask("audio", "audio", "functions.audio.task",
                  "audio lab stages beyond the Lambda's limits (long or large files), behind a task token"),
)

DATABASES = (
    SqlDatabase("albums", "ALBUMS_DATABASE_URL",
                "AlbumDreamer: every album, track, prompt, asset and generation run (stories.albums.db)",
                "albums"),
)

SCHEDULES = (
    Schedule("weekly-refresh", "cron(0 3 ? * MON *)", "refresh",
             "weekly refresh: fail stale jobs, abort stale uploads, rebuild library summaries, "
             "naming trends, named catalogs' metadata"),
    Schedule("publish-sweep", "rate(1 hour)", "publishing",
             "re-queue publications left failed_retrying past their next try (message lost or in the DLQ)"),
    # Monday 07:50 UTC, before the writers' first questions: a 1-hour cache entry outlives it by an hour.
    Schedule("writers-refresh", "cron(50 7 ? * MON *)", "writers-chat",
             "writers' rooms: re-ingest what changed, rebuild bible and digest, warm active rooms' cache"),
)


def physical_name(stage: str, key: str) -> str:
    """The deployed name of a resource: ``soundmosaic-<stage>-<key>``."""
    return f"soundmosaic-{stage}-{key}"


def key_alias(stage: str, key: str) -> str:
    """The alias of a listed KMS key: what ``Key.env`` carries, in AWS and locally."""
    return f"alias/{physical_name(stage, key)}"


def function(key: str) -> Function:
    return next(f for f in FUNCTIONS if f.key == key)


def container_task(key: str) -> ContainerTask:
    return next(t for t in CONTAINER_TASKS if t.key == key)
