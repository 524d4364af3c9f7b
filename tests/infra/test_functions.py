"""Every listed function: one Lambda, its packaging, environment, tracing and grants."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from soundmosaic.platform import resources
from soundmosaic.platform.resources import physical_name

from infra import needs
from infra.app import placement
from infra.constructs.functions import IMAGE_CONTEXT_EXTRAS
from infra.settings import pinned_powertools_version, powertools_layer_parameter
from tests.infra.conftest import STAGE
from tests.infra.helpers import actions, of_type, props, role_statements, text

pytestmark = pytest.mark.infra

POWERTOOLS_PARAMETER = "/aws/service/powertools/python/x86_64/python3.11/"


def _functions(synth) -> dict[str, tuple[str, str, dict]]:
    """Resource key -> (stack short name, logical id, properties) of its Lambda."""
    names = {physical_name(STAGE, f.key): f.key for f in resources.FUNCTIONS}
    found: dict[str, tuple[str, str, dict]] = {}
    for short in synth.templates:
        for logical_id, resource in of_type(synth.json(short), "AWS::Lambda::Function").items():
            name = props(resource).get("FunctionName")
            if name in names:
                assert names[name] not in found, f"{name} is defined twice"
                found[names[name]] = (short, logical_id, props(resource))
    return found


def test_every_resource_list_function_exists_exactly_once(synth):
    assert set(_functions(synth)) == {f.key for f in resources.FUNCTIONS}


def test_placement_puts_each_function_in_one_stack():
    homes = placement()
    placed = [k for keys in homes.values() for k in keys]
    assert sorted(placed) == sorted(f.key for f in resources.FUNCTIONS)
    for machine in resources.STATE_MACHINES:
        assert set(machine.functions.values()) <= set(homes["Workflows"])


def test_needs_cover_the_resource_list():
    needs.check()
    assert set(needs.NEEDS) == {f.key for f in resources.FUNCTIONS}


def test_zip_functions_run_python311_with_both_layers_and_tracing(synth):
    for key, (short, _, p) in _functions(synth).items():
        if needs.needs(key).container:
            continue
        fn = resources.function(key)
        assert p["Runtime"] == "python3.11", key
        assert p["Handler"] == fn.lambda_handler, key
        assert p["Architectures"] == ["x86_64"], key
        assert p["TracingConfig"] == {"Mode": "Active"}, key
        assert (p["MemorySize"], p["Timeout"]) == (fn.memory_mb, fn.timeout_s), key
        layers = p["Layers"]
        assert len(layers) == 2, key
        # The Powertools layer: its ARN from the public SSM parameter of the pinned release.
        parameters = synth.json(short).get("Parameters", {})
        powertools = [parameters[layer["Ref"]] for layer in layers if layer.get("Ref") in parameters]
        assert len(powertools) == 1, key
        assert powertools[0]["Type"] == "AWS::SSM::Parameter::Value<String>", key
        assert powertools[0]["Default"] == POWERTOOLS_PARAMETER + pinned_powertools_version(), key
        core = [layer for layer in layers if "Ref" in layer and layer["Ref"] not in parameters]
        assert len(core) == 1, key
        layer = synth.json(short)["Resources"][core[0]["Ref"]]
        assert layer["Type"] == "AWS::Lambda::LayerVersion"
        assert props(layer)["CompatibleRuntimes"] == ["python3.11"]
        assert props(layer)["CompatibleArchitectures"] == ["x86_64"]


def test_the_powertools_layer_is_the_pinned_release():
    """pyproject.toml pins aws-lambda-powertools; tests, images and the zip functions' layer agree."""
    pin = pinned_powertools_version()
    assert importlib.metadata.version("aws-lambda-powertools") == pin
    assert powertools_layer_parameter(pin) == f"{POWERTOOLS_PARAMETER}{pin}"
    import aws_cdk as cdk

    from infra.settings import Settings

    # The former layer-number key drifted from the pin (layer 27 is 3.23.0): refused, not ignored.
    with pytest.raises(ValueError, match="gone"):
        Settings.from_context(cdk.App(context={"powertools_layer_version": 27}))


def test_zip_assets_hold_the_handler_and_the_core_layer(synth):
    for key, (short, logical_id, _) in _functions(synth).items():
        if needs.needs(key).container:
            continue
        resource = synth.json(short)["Resources"][logical_id]
        asset = synth.outdir / resource["Metadata"]["aws:asset:path"]
        module = resources.function(key).lambda_handler.rsplit(".", 1)[0]
        assert (asset / f"{module.replace('.', '/')}.py").is_file(), key
    for short in synth.templates:
        for layer in of_type(synth.json(short), "AWS::Lambda::LayerVersion").values():
            asset = synth.outdir / layer["Metadata"]["aws:asset:path"]
            assert (asset / "python" / "soundmosaic" / "__init__.py").is_file()
            assert not list(asset.rglob("__pycache__"))


def test_container_functions_are_images(synth):
    containerised = [k for k in _functions(synth) if needs.needs(k).container]
    assert sorted(containerised) == ["albums", "api", "audio", "booth", "generation", "probe", "refresh",
                                     "sieb", "stories", "studio", "writers", "writers-chat"]
    # The weekly refresh reads the named catalogs (httpx, PyJWT + cryptography): the studio image.
    assert needs.needs("refresh").container == "studio"
    # Song generation runs in the audio image (fpcalc, Basic Pitch, FluidSynth); publish is a zip.
    assert needs.needs("generation").container == "audio" and needs.needs("publishing").container is None
    for key in containerised:
        fn = resources.function(key)
        _, _, p = _functions(synth)[key]
        assert p["PackageType"] == "Image"
        assert p["ImageConfig"]["Command"] == [f"{fn.module}.{fn.attribute}"]
        assert p["Architectures"] == ["x86_64"]
        assert p["TracingConfig"] == {"Mode": "Active"}
        assert "Layers" not in p
        assert (p["MemorySize"], p["Timeout"]) == (fn.memory_mb, fn.timeout_s)
        assert p.get("EphemeralStorage", {"Size": 512}) == {
            "Size": needs.needs(key).ephemeral_storage_mb}


def test_audio_function_is_the_audio_image_with_room_to_work(synth):
    short, _, p = _functions(synth)["audio"]
    assert short == "Workflows"  # beside the state machines that invoke it
    assert needs.needs("audio").container == "audio"
    assert p["ImageConfig"]["Command"] == ["functions.audio.app.handler"]
    assert (p["MemorySize"], p["Timeout"], p["EphemeralStorage"]) == (10240, 900, {"Size": 10240})
    # No GPU endpoint unless context gpu=true.
    assert not any("SAGEMAKER" in name for name in p["Environment"]["Variables"])


def _docker_images(synth) -> dict[str, dict]:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    images: dict[str, dict] = {}
    for artifact in manifest["artifacts"].values():
        if artifact["type"] == "cdk:asset-manifest":
            assets = json.loads((synth.outdir / artifact["properties"]["file"]).read_text())
            images.update(assets.get("dockerImages", {}))
    return {image["source"]["dockerFile"].split("/")[1]: image for image in images.values()}


def test_image_assets_are_staged_not_built(synth):
    """Synth stages each Docker context and records the build; it never runs docker."""
    images = _docker_images(synth)
    assert set(images) == {"lambda-ffmpeg", "audio", "studio", "writers", "booth"}
    for container, image in images.items():
        assert image["source"]["dockerFile"] == f"containers/{container}/Dockerfile"
        assert image["source"]["platform"] == "linux/amd64"
        assert "dockerBuildArgs" not in image["source"]  # the CPU build: the Dockerfile defaults
        context = synth.outdir / image["source"]["directory"]
        top = {p.name for p in context.iterdir()}
        extras = set(IMAGE_CONTEXT_EXTRAS.get(container, ()))
        assert top == {"pyproject.toml", "containers", "functions", "layers"} | extras, container
        assert {p.name for p in (context / "containers").iterdir()} == {container}
        assert (context / "layers" / "core" / "python" / "soundmosaic" / "__init__.py").is_file()
        assert not list(context.rglob("__pycache__"))
    ffmpeg, audio = (synth.outdir / images[c]["source"]["directory"] for c in ("lambda-ffmpeg", "audio"))
    assert (ffmpeg / "functions" / "probe" / "app.py").is_file()
    assert (audio / "functions" / "audio" / "app.py").is_file()
    assert (audio / "requirements" / "no-deps.txt").is_file()
    for name in ("Dockerfile", "serve.py", "entrypoint.sh", "fetch_models.py"):
        assert (audio / "containers" / "audio" / name).is_file(), name
    studio = synth.outdir / images["studio"]["source"]["directory"]
    assert (studio / "functions" / "studio" / "app.py").is_file()
    assert (studio / "functions" / "api" / "studio.py").is_file()
    for data in ("trends.toml", "artist_dna.schema.json", "known_titles.txt"):
        assert (studio / "layers" / "core" / "python" / "soundmosaic" / "studio" / data).is_file(), data


def test_studio_function_is_the_studio_image_beside_its_workflows(synth):
    short, _, p = _functions(synth)["studio"]
    assert short == "Workflows"  # beside the state machines that invoke it
    assert p["ImageConfig"]["Command"] == ["functions.studio.app.handler"]
    assert (p["MemorySize"], p["Timeout"], p["EphemeralStorage"]) == (3008, 900, {"Size": 2048})
    # The api is the same image (its studio routes need Pillow, rapidfuzz, jsonschema).
    short, _, api = _functions(synth)["api"]
    assert short == "Api" and api["ImageConfig"]["Command"] == ["functions.api.app.handler"]


def test_every_function_gets_every_resource_list_variable(synth):
    expected = ({b.env for b in resources.BUCKETS} | {t.env for t in resources.TABLES}
                | {q.env for q in resources.QUEUES} | {m.env for m in resources.STATE_MACHINES}
                | {f.env for f in resources.FUNCTIONS if f.env} | {x.env for x in resources.SECRETS}
                | {k.env for k in resources.KEYS}
                | {"SOUNDMOSAIC_STAGE", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"})
    for key, (_, _, p) in _functions(synth).items():
        env = p["Environment"]["Variables"]
        # The audio function routes stages by size against its own deployed limits.
        routing = {"SOUNDMOSAIC_LAMBDA_TIMEOUT_S", "SOUNDMOSAIC_LAMBDA_TMP_BYTES",
                   "SOUNDMOSAIC_LAMBDA_MEMORY_MB"} if key == "audio" else set()
        # A SQL database's URL only where the function lists it (the albums steps).
        sql = {d.env for d in resources.DATABASES if d.key in needs.needs(key).databases}
        assert set(env) == expected | routing | sql, key
        assert env["SOUNDMOSAIC_STAGE"] == STAGE
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "SoundMosaic"
        assert env["POWERTOOLS_SERVICE_NAME"] == f"soundmosaic-{key}"
        for fn in resources.FUNCTIONS:
            if fn.env:
                assert env[fn.env] == physical_name(STAGE, fn.key)
        for machine in resources.STATE_MACHINES:
            assert f":stateMachine:{physical_name(STAGE, machine.key)}" in text(env[machine.env])
        for secret in resources.SECRETS:
            assert env[secret.env] == physical_name(STAGE, secret.key)
        for queue in resources.QUEUES:
            assert text(env[queue.env]).startswith('{"Fn::Join"')
            assert f"/{physical_name(STAGE, queue.key)}" in text(env[queue.env])


def test_grants_are_least_privilege(synth):
    functions = _functions(synth)

    def statements(key):
        short, logical_id, _ = functions[key]
        return role_statements(synth.json(short), logical_id)

    # The jobs step touches the jobs table only.
    jobs = statements("jobs")
    assert not any(a.startswith(("s3:", "states:")) for a in actions(jobs))
    dynamo = [s for s in jobs if any(a.startswith("dynamodb:") for a in actions([s]))]
    assert dynamo and "jobs" in text(dynamo)
    assert "idempotency" not in text(dynamo) and "tracks" not in text(dynamo)
    # Ingest starts exactly the ingest state machine and only reads uploads.
    ingest = statements("ingest")
    starts = [s for s in ingest if "states:StartExecution" in actions([s])]
    assert len(starts) == 1
    assert f":stateMachine:{physical_name(STAGE, 'ingest')}" in text(starts[0]["Resource"])
    assert not any(a in actions(ingest) for a in ("s3:PutObject", "s3:DeleteObject*"))
    # The audio stages: the media bucket, the tracks and jobs tables; nothing else.
    audio = statements("audio")
    assert not any(a.startswith(("states:", "sagemaker:")) for a in actions(audio))
    audio_s3 = text([s["Resource"] for s in audio if any(a.startswith("s3:") for a in actions([s]))])
    assert "media" in audio_s3 and "uploads" not in audio_s3 and "quarantine" not in audio_s3
    audio_dynamo = text([s["Resource"] for s in audio
                         if any(a.startswith("dynamodb:") for a in actions([s]))])
    assert "tracks" in audio_dynamo and "jobs" in audio_dynamo and "idempotency" not in audio_dynamo
    assert {"s3:PutObject", "dynamodb:UpdateItem"} <= actions(audio)
    # The studio steps: the media bucket, jobs to write, tracks to read; they start nothing.
    studio = statements("studio")
    assert not any(a.startswith(("states:", "sagemaker:")) for a in actions(studio))
    studio_s3 = text([s["Resource"] for s in studio if any(a.startswith("s3:") for a in actions([s]))])
    assert "media" in studio_s3 and "uploads" not in studio_s3 and "quarantine" not in studio_s3
    studio_dynamo = [s for s in studio if any(a.startswith("dynamodb:") for a in actions([s]))]
    writes = text([s["Resource"] for s in studio_dynamo if "dynamodb:UpdateItem" in actions([s])])
    assert "jobs" in writes and "tracks" not in writes and "idempotency" not in text(studio_dynamo)
    assert "tracks" in text([s["Resource"] for s in studio_dynamo])
    # The api starts the audio lab, exports and the studio's workflows, and nothing else.
    api_starts = [s for s in statements("api") if "states:StartExecution" in actions([s])]
    assert len(api_starts) == 1
    started = text(api_starts[0]["Resource"])
    for machine in ("audio", "export", "artwork_batch", "video", "statement_import", "song_identify",
                    "song_generation", "album", "stories_make"):
        assert f":stateMachine:{physical_name(STAGE, machine)}" in started, machine
    assert f":stateMachine:{physical_name(STAGE, 'ingest')}\"" not in started
    # Only the functions that call providers read their keys, only Sieb's functions MongoDB's URI.
    secrets = {"api": {"provider-keys", "mongodb-uri"}, "studio": {"provider-keys"},
               "generation": {"provider-keys"}, "publishing": {"provider-keys"}, "sieb": {"mongodb-uri"},
               "writers-chat": {"provider-keys"}, "refresh": {"provider-keys"},  # refresh: named catalogs
               "albums": {"provider-keys"}, "stories": {"provider-keys"}}
    for key in functions:
        reads = [s for s in statements(key) if "secretsmanager:GetSecretValue" in actions([s])]
        if key in secrets:
            granted = text([s["Resource"] for s in reads])
            for name in ("provider-keys", "mongodb-uri"):
                wanted = name in secrets[key]
                assert (f"secret:{physical_name(STAGE, name)}-??????" in granted) == wanted, key
        else:
            assert not reads, key
    # Nobody gets wildcard admin.
    for key in functions:
        assert "*" not in actions(statements(key)), key
        assert not any(a.endswith(":*") for a in actions(statements(key))
                       if not a.startswith(("xray:", "logs:"))), key


def test_royalty_audit_log_is_append_only_for_every_function(synth):
    functions = _functions(synth)
    audit_table = "royaltyaudit"  # the table's logical id, in the data stack's output names
    for key, (short, logical_id, _) in functions.items():
        statements = role_statements(synth.json(short), logical_id)
        on_audit = [s for s in statements if audit_table in text(s["Resource"])]
        changes = {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}
        assert not changes & actions(on_audit), key
        if key in ("api", "royalties", "generation"):  # generation records a take's provenance
            assert "dynamodb:PutItem" in actions(on_audit) and "dynamodb:Query" in actions(on_audit), key
        else:
            assert not on_audit, key


def test_royalties_function_is_a_zip_with_the_ledger_tables(synth):
    short, logical_id, p = _functions(synth)["royalties"]
    assert short == "Workflows" and "ImageUri" not in p["Code"] and p["Runtime"] == "python3.11"
    statements = role_statements(synth.json(short), logical_id)
    dynamo = text([s["Resource"] for s in statements if any(a.startswith("dynamodb:") for a in actions([s]))])
    for table in ("royaltyledger", "royaltyaudit", "royaltyprovenance", "jobs"):
        assert table in dynamo, table
    assert "tracks" not in dynamo and "idempotency" not in dynamo
    assert not any(a.startswith("states:") for a in actions(statements))
    assert not {"s3:PutObject", "s3:DeleteObject*"} & actions(statements)


def test_functions_log_to_their_own_groups(synth):
    for key, (short, _, p) in _functions(synth).items():
        group = synth.json(short)["Resources"][p["LoggingConfig"]["LogGroup"]["Ref"]]
        assert props(group)["LogGroupName"] == f"/aws/lambda/{physical_name(STAGE, key)}"
        assert props(group)["RetentionInDays"] > 0


def test_only_the_publishers_send_to_the_publish_queue(synth):
    functions = _functions(synth)
    for key, (short, logical_id, _) in functions.items():
        sends = [s for s in role_statements(synth.json(short), logical_id)
                 if "sqs:SendMessage" in actions([s])]
        if key in ("api", "publishing"):  # the api requests; the consumer's sweep queues again
            assert len(sends) == 1, key
            resource = text(sends[0]["Resource"])
            assert f":{physical_name(STAGE, 'publish')}\"" in resource and "ingest" not in resource, key
            assert actions(sends) == {"sqs:SendMessage"}, key
        else:
            assert not sends, key
    # The consumer touches the publications table and the media bucket, not the projects.
    short, logical_id, _ = functions["publishing"]
    dynamo = text([s["Resource"] for s in role_statements(synth.json(short), logical_id)
                   if any(a.startswith("dynamodb:") for a in actions([s]))])
    # Table logical ids appear in the data stack's output names.
    assert "publications" in dynamo
    assert "generation" not in dynamo and "royalty" not in dynamo and "catalog" not in dynamo


def test_publishing_settings_reach_only_the_publishing_functions(tmp_path_factory):
    from tests.infra.conftest import _synth

    synth = _synth(tmp_path_factory.mktemp("cdk.out.publishing"), stage=STAGE,
                   distributor_url="https://api.distributor.example/v2", isrc_prefix="GBXYZ26",
                   ddex_sender_dpid="PADPIDA2020010101A", ddex_test="false")
    for key, (_, _, p) in _functions(synth).items():
        env = p["Environment"]["Variables"]
        if key in ("api", "publishing"):
            assert env["SOUNDMOSAIC_DISTRIBUTOR_URL"] == "https://api.distributor.example/v2", key
            assert env["SOUNDMOSAIC_ISRC_PREFIX"] == "GBXYZ26"
            assert env["SOUNDMOSAIC_DDEX_SENDER_DPID"] == "PADPIDA2020010101A"
            assert env["SOUNDMOSAIC_DDEX_TEST"] == "false"
            assert "SOUNDMOSAIC_DISTRIBUTOR_TOKEN" not in env  # the token lives in the secret
        else:
            assert not any(v.startswith(("SOUNDMOSAIC_DISTRIBUTOR", "SOUNDMOSAIC_ISRC", "SOUNDMOSAIC_DDEX"))
                           for v in env), key


def test_the_albums_steps_reach_their_aurora_database_through_the_data_api(synth):
    short, logical_id, albums = _functions(synth)["albums"]
    url = albums["Environment"]["Variables"]["ALBUMS_DATABASE_URL"]
    assert "rds-data://" in json.dumps(url) and "database=albums" in json.dumps(url)
    granted = role_statements(synth.json(short), logical_id)
    wanted = {"rds-data:ExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction"}
    assert wanted <= actions(granted)
    data = synth.json("Data")
    clusters = [r["Properties"] for r in data["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster"]
    assert len(clusters) == 1
    cluster = clusters[0]
    assert cluster["Engine"] == "aurora-postgresql" and cluster["EnableHttpEndpoint"] is True
    assert cluster["StorageEncrypted"] is True and cluster["DatabaseName"] == "albums"
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}
    for key in _functions(synth):
        if key != "albums":
            assert not any(a.startswith("rds-data:") for a in actions(role_statements(
                synth.json(_functions(synth)[key][0]), _functions(synth)[key][1]))), key
