"""Context validation, and the helper scripts the ffmpeg Lambda image runs at build time."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from soundmosaic.platform.resources import REPO_ROOT

pytestmark = pytest.mark.infra

IMAGE_DIR = REPO_ROOT / "containers" / "lambda-ffmpeg"


def _settings(**context: object):
    import aws_cdk as cdk

    from infra.settings import Settings

    return Settings.from_context(cdk.App(context=context))


def test_settings_defaults():
    settings = _settings()
    assert settings.stage == "dev"
    assert settings.spa_origins == ("http://localhost:5173",)
    assert settings.auth_domain_prefix == "soundmosaic-dev"
    assert not settings.is_production
    assert settings.publishing_env() == {}  # the service's sandbox defaults apply


@pytest.mark.parametrize("context", [
    {"stage": "Prod"},
    {"stage": "a" * 30},
    {"spa_origin": "app.example.com"},
    {"spa_origin": "https://app.example.com/path"},
    {"auth_domain_prefix": "my-aws-login"},
    {"auth_domain_prefix": "-bad"},
    {"distributor_url": "http://plain.example"},  # a token must not travel in the clear
    {"isrc_prefix": "ZZ-SMG-26"},
    {"ddex_sender_dpid": "PADPIDA123"},
    {"ddex_test": "maybe"},
    {"stage": "prod"},  # production must name its SPA origin: no localhost CORS or callback
    {"stage": "production", "spa_origin": "http://app.example.com"},  # and serve it over TLS
])
def test_settings_reject_bad_context(context):
    with pytest.raises(ValueError):
        _settings(**context)


def test_production_takes_the_origin_it_is_given():
    settings = _settings(stage="prod", spa_origin="https://app.example.com")
    assert settings.is_production and settings.spa_origins == ("https://app.example.com",)


def test_cdk_json_runs_the_app_module():
    import json

    config = json.loads((REPO_ROOT / "cdk.json").read_text())
    assert config["app"] == "python -m infra.app"
    assert config["context"]["stage"] == "dev"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), IMAGE_DIR / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runtime_requirements_are_pyprojects_dependencies():
    result = subprocess.run([sys.executable, str(IMAGE_DIR / "runtime_requirements.py"),
                             str(REPO_ROOT / "pyproject.toml")],
                            capture_output=True, text=True, check=True)
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        expected = tomllib.load(handle)["project"]["dependencies"]
    assert result.stdout.splitlines() == expected


def _archive(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "ffmpeg.tar.xz"
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_fetch_ffmpeg_installs_checked_binaries(tmp_path):
    fetch = _module("fetch_ffmpeg")
    archive = _archive(tmp_path, {"ffmpeg-7.0-amd64-static/ffmpeg": b"#!ffmpeg",
                                  "ffmpeg-7.0-amd64-static/ffprobe": b"#!ffprobe",
                                  "ffmpeg-7.0-amd64-static/readme.txt": b"hi"})
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    installed = fetch.install(archive, md5.upper(), tmp_path / "bin")
    assert sorted(p.name for p in installed) == ["ffmpeg", "ffprobe"]
    assert (tmp_path / "bin" / "ffprobe").read_bytes() == b"#!ffprobe"
    assert (tmp_path / "bin" / "ffmpeg").stat().st_mode & 0o111
    assert not (tmp_path / "bin" / "readme.txt").exists()


def test_fetch_ffmpeg_refuses_bad_archives(tmp_path):
    fetch = _module("fetch_ffmpeg")
    archive = _archive(tmp_path, {"x/ffmpeg": b"only one"})
    with pytest.raises(ValueError, match="checksum"):
        fetch.install(archive, "0" * 32, tmp_path / "bin")
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="lacks"):
        fetch.install(archive, md5, tmp_path / "bin")
    with pytest.raises(ValueError, match="non-HTTPS"):
        fetch.fetch("http://example.com/ffmpeg.tar.xz", tmp_path / "bin")


def test_dockerfile_copies_only_what_the_build_context_holds():
    from infra.constructs.functions import image_context_exclude

    dockerfile = (IMAGE_DIR / "Dockerfile").read_text()
    sources = [line.split()[1] for line in dockerfile.splitlines()
               if line.startswith("COPY") and "--from" not in line]
    assert sources
    allowed = [p[1:] for p in image_context_exclude("lambda-ffmpeg") if p.startswith("!")]
    for source in sources:
        assert (REPO_ROOT / source).exists(), source
        assert any(source.rstrip("/").startswith(a) or a.startswith(source.rstrip("/"))
                   for a in allowed), source
    assert dockerfile.count("FROM ") >= 2
    assert "public.ecr.aws/lambda/python:3.11" in dockerfile


def test_studio_dockerfile_copies_only_what_its_context_holds():
    from infra.constructs.functions import image_context_exclude

    dockerfile = (REPO_ROOT / "containers" / "studio" / "Dockerfile").read_text()
    sources = [line.split()[1] for line in dockerfile.splitlines()
               if line.startswith("COPY") and "--from" not in line]
    allowed = [p[1:] for p in image_context_exclude("studio") if p.startswith("!")]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source
        assert any(source.rstrip("/").startswith(a) or a.startswith(source.rstrip("/"))
                   for a in allowed), source
    assert "public.ecr.aws/lambda/python:3.11" in dockerfile
    # ffmpeg, fonts and the studio extra: what the steps and the studio routes import.
    assert "/ffmpeg" in dockerfile and "dejavu-sans-fonts" in dockerfile
    assert "['optional-dependencies']['studio']" in dockerfile
    assert 'CMD ["functions.studio.app.handler"]' in dockerfile
