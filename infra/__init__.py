"""The SoundMosaic CDK app: one stack per bounded context, built from the shared resource list.

Every bucket, table, queue, function, state machine and schedule comes from
``soundmosaic.platform.resources``; nothing here spells a resource name of its own.

Environment variables
---------------------
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION
    Comma-separated Node.js major versions whose end-of-life banner jsii should not print. Set
    here (before ``aws_cdk`` is imported anywhere in this package) to the running Node major, so
    synth output stays readable on machines whose Node is older than jsii would like.
"""

from __future__ import annotations

import os
import shutil
import subprocess

_EOL_VARIABLE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"


def _silence_node_banners() -> None:
    """jsii compares this variable with the Node major version (a list, not a boolean)."""
    majors = {v.strip() for v in os.environ.get(_EOL_VARIABLE, "").split(",") if v.strip()}
    majors |= {"18", "20"}
    node = shutil.which("node")
    if node:
        try:
            version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                     timeout=10, check=False).stdout.strip()
            majors.add(version.lstrip("v").split(".")[0])
        except (OSError, subprocess.SubprocessError):
            pass
    os.environ[_EOL_VARIABLE] = ",".join(sorted(m for m in majors if m))
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


_silence_node_banners()
