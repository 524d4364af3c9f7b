"""The export streamed into S3 multipart against the zip built on disk: memory, disk, throughput.

Three stems of noise (incompressible, like PCM) are put into a bucket of a moto server running in
its own process; then, each in a fresh process so that its peak resident memory is its own:

- ``streamed``: ``export.stream_zip_to_s3`` (the pipeline's export): S3 GET bodies -> zipfile ->
  ``MultipartWriter`` -> S3 parts. Local disk: none.
- ``on_disk``: what the export did before: download the stems, ``write_zip`` to a file, upload
  the file. Local disk: the stems plus the zip.

Run: ``python -m bench.audio_export_stream [--mib 64 512]`` (MiB of stems per size).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import DOCS_FILE, REPO_ROOT, RESULTS_DIR, machine, replace_section

BUCKET = "bench-media"
STEMS = ("drums", "harmonic", "vocals")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_rss_mib() -> float:
    """This process's own peak (VmHWM): ``ru_maxrss`` survives exec on Linux, so a child would
    report its parent's peak at fork (here the parent held the stems it uploaded)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _child(mode: str, mib: int) -> None:
    from soundmosaic.audio import export
    from soundmosaic.platform import aws

    s3 = aws.client("s3")
    each = mib * 1024**2 // len(STEMS)
    stems = {n: export.S3Source(BUCKET, f"stems/{mib}/{n}.wav", each) for n in STEMS}
    track = export.TrackExport(artist="Bench", title=f"{mode}-{mib}", stems=dict[str, export.Source](stems))
    start = time.perf_counter()
    disk = 0
    if mode == "streamed":
        result = export.stream_zip_to_s3(BUCKET, f"export/{mode}-{mib}.zip", [track])
        size = result["zip_bytes"]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            local = {}
            for name, source in stems.items():
                path = Path(tmp) / f"{name}.wav"
                s3.download_file(BUCKET, source.key, str(path))
                local[name] = path
            track.stems = dict(local)
            path = export.write_zip(Path(tmp) / "export.zip", [track])
            size = path.stat().st_size
            disk = size + sum(p.stat().st_size for p in local.values())
            s3.upload_file(str(path), BUCKET, f"export/{mode}-{mib}.zip")
    seconds = time.perf_counter() - start
    print(json.dumps({"mode": mode, "mib": mib, "seconds": round(seconds, 2), "zip_bytes": size,
                      "local_disk_bytes": disk, "mib_per_s": round(size / 1024**2 / seconds, 1),
                      "peak_rss_mib": _peak_rss_mib()}))


def run(sizes: list[int]) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    try:
        import boto3

        deadline = time.monotonic() + 30
        while True:
            try:
                s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                  aws_access_key_id="bench", aws_secret_access_key="bench")
                s3.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        rows = []
        for mib in sizes:
            each = mib * 1024**2 // len(STEMS)
            for name in STEMS:
                s3.put_object(Bucket=BUCKET, Key=f"stems/{mib}/{name}.wav", Body=os.urandom(each))
            for mode in ("on_disk", "streamed"):
                command = [sys.executable, "-m", "bench.audio_export_stream", "--child", mode, str(mib)]
                done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                      check=True)
                row = json.loads(done.stdout.strip().splitlines()[-1])
                print(row)
                rows.append(row)
        return {"machine": machine(), "rows": rows}
    finally:
        server.terminate()
        server.wait(10)


def write_doc(result: dict[str, Any]) -> None:
    m = result["machine"]
    lines = ["| stems MiB | export | seconds | MiB/s | peak RSS MiB | local disk MiB |",
             "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['mib']} | {r['mode']} | {r['seconds']} | {r['mib_per_s']} | "
                     f"{r['peak_rss_mib']} | {r['local_disk_bytes'] / 1024**2:.0f} |")
    body = "\n".join([
        f"Measured {m['date']} on {m['cpu_model']} ({m['cores']} cores), commit {m['commit']}, with "
        "`python -m bench.audio_export_stream`. Three noise stems in a moto server (its own process); "
        "each export in a fresh process. `streamed` is the pipeline's export (S3 GET -> zip -> S3 "
        "multipart, 16 MiB parts); `on_disk` downloads the stems, zips to a file and uploads it, as "
        "the export did before. Streamed: no local disk and a peak memory that does not grow with "
        "the export, which is what lets a 2-hour track's ~6 GB zip run in a Lambda.",
        "", *lines])
    title = "## Audio export: streamed into S3 multipart vs built on disk\n\n"
    replace_section(DOCS_FILE, "audio_export_stream", title + body, "# Benchmarks\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "MIB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return 0
    result = run(args.mib)
    (RESULTS_DIR / "audio_export_stream.json").write_text(json.dumps(result, indent=2) + "\n")
    write_doc(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
