"""What each listed function may touch: the least-privilege grants and its packaging.

The resource list says which resources exist; this table says which function may read or write
which of them. Keys are resource list keys and are checked against the resource list at synth time, so a
renamed or removed resource fails the build instead of silently dropping a permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from soundmosaic.platform import resources


class Access(Enum):
    READ = "read"
    WRITE = "write"
    READ_WRITE = "read_write"
    # Tables only: read, and put new items; never update or delete (the royalty audit log).
    APPEND = "append"


@dataclass(frozen=True)
class Needs:
    buckets: dict[str, Access] = field(default_factory=dict)
    tables: dict[str, Access] = field(default_factory=dict)
    # State machines (resource list keys) the function starts executions of.
    starts: tuple[str, ...] = ()
    # Queues (resource list keys) the function sends messages to, e.g. the publishing outbox.
    sends: tuple[str, ...] = ()
    # Secrets (resource list keys) the function reads, e.g. the vendor keys of ModelMosaic.
    secrets: tuple[str, ...] = ()
    # SQL databases (resource list keys) the function reads and writes through the RDS Data API;
    # it gets the database's URL in the variable the resource list names.
    databases: tuple[str, ...] = ()
    # Folder under containers/ whose Dockerfile builds the function's image (None: zip + layers).
    container: str | None = None
    # Lambda /tmp size (512 MB to 10240 MB); the audio stages stage whole tracks and stems there.
    ephemeral_storage_mb: int = 512
    # Hands GPU work to the compute stack's SageMaker async endpoint when context gpu=true: gets
    # its name in SOUNDMOSAIC_SAGEMAKER_ENDPOINT and may invoke it (nothing when gpu=false).
    gpu_endpoint: bool = False
    # Sends e-mail through Amazon SES (the booth's delivery).
    mail: bool = False


RW, R, APPEND = Access.READ_WRITE, Access.READ, Access.APPEND
# The royalty tables as the ledger uses them: the audit log is append-only for every function.
ROYALTY_TABLES = {"royalty-ledger": RW, "royalty-audit": APPEND, "royalty-provenance": RW}
# Song generation: the catalog (read; loaded by an operator), projects and takes, the outbox.
GENERATION_TABLES = {"catalog": R, "generation": RW, "publications": RW}

NEEDS: dict[str, Needs] = {
    # Presigned single and multipart uploads, track listing/deletion with all derived objects,
    # job reads, idempotent POSTs; starts the audio lab, exports and the studio's workflows. The
    # royalty routes presign statement uploads (uploads/statements/), start statement imports,
    # record provenance, reverse lines and read statements and the audit log. The
    # studio routes (names, artistDNA, artwork reads) need Pillow, rapidfuzz, jsonschema and the
    # vendor clients, which the zip layers lack: the api runs as the studio image.
    "api": Needs(
        buckets={"uploads": RW, "media": RW, "quarantine": RW},
        tables={"tracks": RW, "search": RW, "jobs": RW, "idempotency": RW, **ROYALTY_TABLES,
                **GENERATION_TABLES, "writers": RW, "booth": RW},
        starts=("audio", "export", "artwork_batch", "video", "statement_import", "song_identify",
                "song_generation", "album", "album_plan", "stories_make", "booth_swap", "booth_background"),
        sends=("publish", "writers-turns"),
        secrets=("provider-keys", "mongodb-uri"),
        container="studio",
    ),
    # One job per S3 event (idempotent), then the ingest workflow.
    "ingest": Needs(
        buckets={"uploads": R},
        tables={"jobs": RW, "idempotency": RW, "writers": RW},
        starts=("ingest", "writers_ingest"),
    ),
    # ffprobe through a presigned GET, then move the upload into the library or quarantine.
    "probe": Needs(
        buckets={"uploads": RW, "media": RW, "quarantine": RW},
        tables={"tracks": RW, "search": RW},
        container="lambda-ffmpeg",
    ),
    # Job stage/percent/end-state updates from the workflows.
    "jobs": Needs(tables={"jobs": RW}),
    # The audio lab stages (decode, separate, analyse, MIDI, lyrics, samples, export): reads the
    # track's original and writes everything derived under its prefix, records analysis and
    # exports on the track, stage progress on the job. The containers/audio image carries
    # ffmpeg, torch, demucs, faster-whisper and their baked weights.
    "audio": Needs(
        buckets={"media": RW},
        tables={"tracks": RW, "search": RW, "jobs": RW},
        container="audio",
        ephemeral_storage_mb=10240,
        gpu_endpoint=True,
    ),
    # The studio's workflow steps: artwork candidates, references, contact sheets and video
    # loops under artists/<a>/studio/, artistDNA versions, the track's audio for a loop (read
    # through a presigned URL), job progress. ffmpeg, Pillow and fonts come with the image.
    "studio": Needs(
        buckets={"media": RW},
        tables={"tracks": R, "jobs": RW},
        secrets=("provider-keys",),
        container="studio",
        ephemeral_storage_mb=2048,
    ),
    # Statement import steps: read the statement file from the uploads bucket, write the ledger
    # (entries, claims, held lines, import summaries), read provenance, append audit records,
    # record the job's summary. The royalty core needs only the stdlib and boto3: a zip function.
    "royalties": Needs(
        buckets={"uploads": R},
        tables={"jobs": RW, **ROYALTY_TABLES},
    ),
    # Song generation steps: fingerprint a reference song (fpcalc) against the catalog, prepare its
    # notes (the audio lab's MIDI files, or Basic Pitch on the mix), generate and render a take
    # (ModelMosaic ``music``: MusicGen on Replicate, or the offline engine with music21 and
    # FluidSynth), store its audio under artists/<a>/generation/ and record its provenance.
    # The containers/audio image carries ffmpeg, fpcalc, Basic Pitch, FluidSynth and music21.
    "generation": Needs(
        buckets={"media": RW},
        tables={"tracks": R, "jobs": RW, "catalog": R, "generation": RW,
                "royalty-provenance": RW, "royalty-audit": APPEND},
        secrets=("provider-keys",),
        container="audio",
        ephemeral_storage_mb=4096,
    ),
    # The publishing outbox consumer: reads the release's audio and artwork, writes the release
    # package (DDEX ERN + files) under artists/<a>/releases/, calls the distributor (its token in
    # the provider-keys secret), records the status; a scheduled sweep queues again publications
    # whose message was lost (DLQ), so it also sends to its own queue.
    "publishing": Needs(
        buckets={"media": RW},
        tables={"publications": RW},
        sends=("publish",),
        secrets=("provider-keys",),
    ),
    # The stories room's steps: albums, stories and collages under artists/<a>/stories/, the cover
    # and photos (studio references), picked artwork and artistDNA reads, job progress. Pillow,
    # scipy and the fonts come with the studio image.
    "stories": Needs(
        buckets={"media": RW},
        tables={"jobs": RW},
        secrets=("provider-keys",),
        container="studio",
        ephemeral_storage_mb=1024,
    ),
    # Sieb's loader: reads a tenant's files under artists/<a>/sieb/ in the uploads bucket and
    # writes its MongoDB database (the URI in the mongodb-uri secret); pymongo is in the studio image.
    "sieb": Needs(
        buckets={"uploads": R},
        secrets=("mongodb-uri",),
        container="studio",
    ),
    # The writers' room ingest steps: the upload or drop file (moved out), parsed scripts, the S3
    # index, bible and digest versions under writers/<room>/. pypdf, python-docx and the wordllama
    # model ship in the image.
    "writers": Needs(
        buckets={"uploads": RW, "media": RW},
        tables={"writers": RW},
        container="writers",
    ),
    # Chat turns from the writers-turns queue (the index and bible, the turn and call records,
    # Claude through the provider-keys secret) and the weekly refresh (restarts leftover files'
    # workflows, writes bible versions, warms the rooms' cache). The writers image.
    "writers-chat": Needs(
        buckets={"uploads": R, "media": RW},
        tables={"writers": RW},
        starts=("writers_ingest",),
        secrets=("provider-keys",),
        container="writers",
    ),
    # The booth's workflow steps: the participant's photo or clip, the event's templates, the
    # chunks and results under booth/<event>/<participant>/ (media bucket), the participant's
    # media and print state (booth table), job progress. No KMS: these steps never open PII.
    "booth": Needs(
        buckets={"media": RW},
        tables={"booth": RW, "jobs": RW},
        container="booth",
        ephemeral_storage_mb=4096,
    ),
    # Mails the participant their link: opens the sealed record (kms:Decrypt, platform.resources
    # KEYS), sends through SES (or SMTP), records when.
    "booth-notify": Needs(tables={"booth": RW}, mail=True),
    # Weekly: fail stale jobs, abort stale multipart uploads, rebuild library summaries, refresh
    # the naming trends (catalog titles -> media) and the named catalogs' metadata (catalog). The
    # named catalogs' clients (httpx, PyJWT for Apple's developer token) are not in the zip layers:
    # like the api, it runs as the studio image.
    "refresh": Needs(
        buckets={"uploads": RW, "media": RW},
        tables={"tracks": RW, "search": RW, "jobs": RW, "catalog": RW},
        secrets=("provider-keys",),
        container="studio",
    ),
    # AlbumDreamer steps: project files, images, music, the site zip under artists/<a>/albums/,
    # the artistDNA (read, for the visual style), job progress; the albums SQL database (Aurora
    # through the Data API: ALBUMS_DATABASE_URL). Music renders with FluidSynth (the audio image).
    "albums": Needs(
        buckets={"media": RW},
        tables={"jobs": RW},
        databases=("albums",),
        secrets=("provider-keys",),
        container="audio",
        ephemeral_storage_mb=2048,
    ),
}


def needs(function_key: str) -> Needs:
    try:
        return NEEDS[function_key]
    except KeyError:
        raise KeyError(
            f"listed function {function_key!r} has no entry in infra/needs.py: say which "
            "buckets and tables it may use"
        ) from None


def check() -> None:
    """Every listed function has needs, and every key named here is in the resource list."""
    functions = {f.key for f in resources.FUNCTIONS}
    buckets = {b.key for b in resources.BUCKETS}
    tables = {t.key for t in resources.TABLES}
    machines = {m.key for m in resources.STATE_MACHINES}
    secrets = {s.key for s in resources.SECRETS}
    queues = {q.key for q in resources.QUEUES}
    databases = {d.key for d in resources.DATABASES}
    problems = [f"function {k!r} has no needs entry" for k in sorted(functions - set(NEEDS))]
    problems += [f"needs entry {k!r} is not a listed function" for k in sorted(set(NEEDS)
                                                                                  - functions)]
    for key, entry in NEEDS.items():
        problems += [f"{key}: unknown bucket {b!r}" for b in entry.buckets if b not in buckets]
        problems += [f"{key}: unknown table {t!r}" for t in entry.tables if t not in tables]
        problems += [f"{key}: append access is for tables only ({b!r})"
                     for b, access in entry.buckets.items() if access is Access.APPEND]
        problems += [f"{key}: unknown state machine {m!r}" for m in entry.starts
                     if m not in machines]
        problems += [f"{key}: unknown secret {s!r}" for s in entry.secrets if s not in secrets]
        problems += [f"{key}: unknown queue {q!r}" for q in entry.sends if q not in queues]
        problems += [f"{key}: unknown database {d!r}" for d in entry.databases if d not in databases]
        if not 512 <= entry.ephemeral_storage_mb <= 10240:
            problems.append(f"{key}: ephemeral storage {entry.ephemeral_storage_mb} MB is outside "
                            "Lambda's 512-10240 MB")
        if entry.container and not (resources.REPO_ROOT / "containers" / entry.container
                                    / "Dockerfile").is_file():
            problems.append(f"{key}: containers/{entry.container}/Dockerfile is missing")
    if problems:
        raise ValueError("infra/needs.py disagrees with the resource list: " + "; ".join(problems))
