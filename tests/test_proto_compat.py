"""lightboard's generated protobuf code on the oldest and newest protobuf runtimes, and beside TensorFlow.

The oldest supported runtime (``protobuf==3.20.3``) and TensorFlow live in side virtual environments
under ``.venvs/<name>-<hash>`` (gitignored), built once and reused: the first run downloads packages
(TensorFlow is some hundreds of MB), later runs take seconds. Building them needs the package
registry; without it these tests fail with a message saying so rather than skip.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
VENVS = REPO / ".venvs"

OLDEST_PROTOBUF = "3.20.3"
OLDEST_REQUIREMENTS = (f"protobuf=={OLDEST_PROTOBUF}", "numpy", "crc32c")
TENSORFLOW_REQUIREMENTS = ("tensorflow-cpu", "tensorboard", "numpy", "crc32c")

# Messages protobuf gives when two generated modules register clashing files or symbols.
POOL_ERRORS = (
    "duplicate file name",
    "already in the pool",
    "Couldn't build proto file into descriptor pool",
    "conflicts with",
    "is already defined",
)

# Writes one event file with lightboard and checks it by parsing the records into lightboard's Event.
# Defines `write_and_check(logdir) -> path`, used by the scripts below.
WRITE_AND_CHECK = r"""
import glob
import os

import numpy as np


def write_and_check(logdir):
    from lightboard import SummaryWriter
    from lightboard.events.record import iter_records
    from lightboard.proto.event_pb2 import Event
    from lightboard.proto.summary_pb2 import DataClass

    writer = SummaryWriter(logdir)
    writer.add_scalar("loss", 0.5, 1, walltime=1000.0)
    writer.add_scalar("acc", 0.25, 2, walltime=1001.0, new_style=True)
    writer.add_histogram("weights", np.array([1.0, 2.0, 2.0, 3.0]), 3, walltime=1002.0)
    writer.add_text("note", "hello **world**", 4, walltime=1003.0)
    writer.close()

    (path,) = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    with open(path, "rb") as file:
        events = [Event.FromString(payload) for payload in iter_records(file.read())]
    assert events[0].file_version == "brain.Event:2", events[0]
    values = {event.summary.value[0].tag: (event.step, event.wall_time, event.summary.value[0])
              for event in events if event.HasField("summary")}
    assert sorted(values) == ["acc", "loss", "note/text_summary", "weights"], sorted(values)

    step, wall, value = values["loss"]
    assert (step, wall, value.simple_value) == (1, 1000.0, 0.5), value

    step, wall, value = values["acc"]
    assert (step, wall, list(value.tensor.float_val)) == (2, 1001.0, [0.25]), value
    assert value.metadata.plugin_data.plugin_name == "scalars", value
    assert value.metadata.data_class == DataClass.DATA_CLASS_SCALAR, value

    step, wall, value = values["weights"]
    histo = value.histo
    assert (step, wall) == (3, 1002.0)
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (1.0, 3.0, 4.0, 8.0, 18.0), histo
    assert sum(histo.bucket) == 4.0 and len(histo.bucket) == len(histo.bucket_limit), histo

    step, wall, value = values["note/text_summary"]
    assert (step, wall, list(value.tensor.string_val)) == (4, 1003.0, [b"hello **world**"]), value
    assert value.metadata.plugin_data.plugin_name == "text", value
    return path
"""

# argv: logdir, expected protobuf version ("" for any), expected implementation ("" for any).
ROUNDTRIP_SCRIPT = (
    WRITE_AND_CHECK
    + r"""
import sys

import google.protobuf
from google.protobuf.internal import api_implementation

logdir, expected_version, expected_impl = sys.argv[1:4]
print("protobuf", google.protobuf.__version__, api_implementation.Type())
if expected_version:
    assert google.protobuf.__version__ == expected_version, google.protobuf.__version__
if expected_impl:
    assert api_implementation.Type() == expected_impl, api_implementation.Type()
write_and_check(logdir)
print("ROUNDTRIP OK")
"""
)

# Both scripts below: argv is order, logdir; they import the protos of both sides in that order.
PROTO_IMPORTS = (
    r"""
import importlib
import pkgutil
import sys

order, logdir = sys.argv[1:3]
TENSORBOARD_PROTOS = [
    "tensorboard.compat.proto.event_pb2",
    "tensorboard.compat.proto.summary_pb2",
    "tensorboard.plugins.hparams.plugin_data_pb2",
    "tensorboard.plugins.mesh.plugin_data_pb2",
    "tensorboard.plugins.projector.projector_config_pb2",
    "tensorboard.plugins.custom_scalar.layout_pb2",
    "tensorboard.plugins.text.plugin_data_pb2",
    "tensorboard.plugins.scalar.plugin_data_pb2",
    "tensorboard.plugins.histogram.plugin_data_pb2",
]


def import_lightboard_protos():
    import lightboard.proto

    for info in pkgutil.iter_modules(lightboard.proto.__path__, "lightboard.proto."):
        if info.name.endswith("_pb2"):
            importlib.import_module(info.name)
"""
)

# order "lightboard-first" or "tensorflow-first". Needs tensorflow and tensorboard.
TENSORFLOW_SCRIPT = (
    WRITE_AND_CHECK
    + PROTO_IMPORTS
    + r"""


def import_lightboard():
    from lightboard import SummaryWriter  # noqa: F401

    import_lightboard_protos()


def import_tensorflow():
    import tensorflow as tf
    import tensorboard  # noqa: F401
    import tensorflow.core.framework.summary_pb2  # noqa: F401
    import tensorflow.core.util.event_pb2  # noqa: F401

    for name in TENSORBOARD_PROTOS:
        importlib.import_module(name)
    print("tensorflow", tf.__version__)


if order == "lightboard-first":
    import_lightboard()
    import_tensorflow()
else:
    import_tensorflow()
    import_lightboard()

import google.protobuf
import tensorboard
import tensorflow as tf
from google.protobuf import descriptor_pool
from google.protobuf.internal import api_implementation
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.compat.proto import event_pb2 as tb_event_pb2
from tensorboard.util import tensor_util

print("protobuf", google.protobuf.__version__, api_implementation.Type(), "tensorboard", tensorboard.__version__)
pool = descriptor_pool.Default()
for file_name in ("lightboard/proto/event.proto", "lightboard/proto/summary.proto",
                  "tensorboard/compat/proto/event.proto", "tensorflow/core/util/event.proto"):
    pool.FindFileByName(file_name)

path = write_and_check(logdir)

# TensorFlow's reader and its own Event proto.
seen = {}
for event in tf.compat.v1.train.summary_iterator(path):
    for value in event.summary.value:
        seen[value.tag] = (event.step, value)
assert sorted(seen) == ["acc", "loss", "note/text_summary", "weights"], sorted(seen)
assert seen["loss"][0] == 1 and seen["loss"][1].simple_value == 0.5
assert seen["acc"][0] == 2 and tf.make_ndarray(seen["acc"][1].tensor) == np.float32(0.25)
assert seen["acc"][1].metadata.plugin_data.plugin_name == "scalars"
histo = seen["weights"][1].histo
assert (histo.min, histo.max, histo.num, histo.sum, sum(histo.bucket)) == (1.0, 3.0, 4.0, 8.0, 4.0), histo
assert tf.make_ndarray(seen["note/text_summary"][1].tensor).tolist() == [b"hello **world**"]

# tf.data's reader with tensorboard's Event proto.
records = [bytes(record.numpy()) for record in tf.data.TFRecordDataset(path)]
tb_events = [tb_event_pb2.Event.FromString(record) for record in records]
assert tb_events[0].file_version == "brain.Event:2"
assert len(tb_events) == 5, len(tb_events)

# tensorboard's loader, which migrates old-style summaries to tensors as TensorBoard shows them.
loaded = {}
for event in event_file_loader.EventFileLoader(path).Load():
    for value in event.summary.value:
        loaded[value.tag] = (event.step, value.metadata.plugin_data.plugin_name, tensor_util.make_ndarray(value.tensor))
assert loaded["loss"][:2] == (1, "scalars") and float(loaded["loss"][2]) == 0.5, loaded["loss"]
assert loaded["acc"][:2] == (2, "scalars") and float(loaded["acc"][2]) == 0.25, loaded["acc"]
assert loaded["weights"][:2] == (3, "histograms") and loaded["weights"][2][:, 2].sum() == 4.0, loaded["weights"]
assert loaded["note/text_summary"][:2] == (4, "text"), loaded["note/text_summary"]
assert loaded["note/text_summary"][2].tolist() == [b"hello **world**"], loaded["note/text_summary"]
print("TENSORFLOW OK")
"""
)

# order "lightboard-first" or "tensorboard-first". Needs tensorboard, not tensorflow.
TENSORBOARD_SCRIPT = (
    WRITE_AND_CHECK
    + PROTO_IMPORTS
    + r"""


def import_lightboard():
    import_lightboard_protos()


def import_tensorboard():
    for name in TENSORBOARD_PROTOS:
        importlib.import_module(name)


if order == "lightboard-first":
    import_lightboard()
    import_tensorboard()
else:
    import_tensorboard()
    import_lightboard()

import google.protobuf
from google.protobuf.internal import api_implementation
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.compat.proto import event_pb2 as tb_event_pb2

print("protobuf", google.protobuf.__version__, api_implementation.Type())
assert api_implementation.Type() == "python", api_implementation.Type()
path = write_and_check(logdir)
loaded = {}
for event in event_file_loader.RawEventFileLoader(path).Load():
    event = tb_event_pb2.Event.FromString(event)
    for value in event.summary.value:
        loaded[value.tag] = (event.step, value)
assert loaded["loss"][0] == 1 and loaded["loss"][1].simple_value == 0.5, loaded["loss"]
assert loaded["acc"][0] == 2 and list(loaded["acc"][1].tensor.float_val) == [0.25], loaded["acc"]
assert loaded["weights"][0] == 3 and loaded["weights"][1].histo.num == 4.0, loaded["weights"]
assert list(loaded["note/text_summary"][1].tensor.string_val) == [b"hello **world**"]
print("TENSORBOARD OK")
"""
)


def venv_key(requirements: tuple[str, ...]) -> str:
    """A short hash of the requirement list and the base interpreter: a change to either means a new venv."""
    text = "\n".join([*requirements, sys.version, os.path.realpath(getattr(sys, "_base_executable", sys.executable))])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def remove_stale_builds(name: str, key: str, older_than_s: float = 3600.0) -> None:
    """Delete half-built temp folders of this venv left by interrupted runs (a live build is younger)."""
    for leftover in VENVS.glob(f".{name}-{key}.*"):
        try:
            if time.time() - leftover.stat().st_mtime > older_than_s:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def side_venv(name: str, requirements: tuple[str, ...], timeout_s: float) -> Path:
    """The python of a cached virtualenv ``.venvs/<name>-<hash>`` holding ``requirements``.

    Built in a temporary folder beside it and renamed into place once pip succeeds, so a present
    folder is always complete; reused as it is on later runs. lightboard itself is not installed:
    the scripts find it through ``PYTHONPATH=src``. Fails the test, naming the cause, if pip cannot
    install (for instance because the package registry is unreachable).
    """
    key = venv_key(requirements)
    final = VENVS / f"{name}-{key}"
    python = final / "bin" / "python"
    if python.exists():
        return python
    VENVS.mkdir(exist_ok=True)
    remove_stale_builds(name, key)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-{key}.", dir=VENVS))
    building.chmod(0o755)  # mkdtemp makes it private
    try:
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, capture_output=True, timeout=300)
        command = [
            str(building / "bin" / "python"), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
            "--timeout", "60", "--retries", "3", *requirements,
        ]  # fmt: skip
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"building {final}: `pip install {' '.join(requirements)}` took over {timeout_s:.0f} s")
        if result.returncode != 0:
            pytest.fail(
                f"building {final}: `pip install {' '.join(requirements)}` failed (exit {result.returncode}). "
                "These tests need the package registry (PyPI) to build their side virtualenv once; "
                f"pip said:\n{(result.stdout + result.stderr)[-4000:]}"
            )
        (building / "requirements.txt").write_text("\n".join(requirements) + "\n")
        try:
            building.rename(final)
        except OSError:
            if not python.exists():  # not a concurrent build that finished first
                raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return python


def run_script(
    python: str | Path, script: str, *args: str, env: dict[str, str] | None = None, timeout_s: float = 240
) -> str:
    """Run ``script`` with ``python`` and lightboard's ``src`` on the path; fail on error or a pool clash."""
    environment = {key: value for key, value in os.environ.items() if key != "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"}
    environment["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    environment["TF_CPP_MIN_LOG_LEVEL"] = "2"
    environment.update(env or {})
    result = subprocess.run(
        [str(python), "-c", script, *args], capture_output=True, text=True, env=environment, timeout=timeout_s
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"script failed (exit {result.returncode}):\n{output[-6000:]}"
    clashes = [message for message in POOL_ERRORS if message in output]
    assert not clashes, f"descriptor pool messages {clashes}:\n{output[-6000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def oldest_protobuf_python() -> Path:
    """Python of the side venv with the oldest supported protobuf runtime."""
    return side_venv("protobuf-3.20", OLDEST_REQUIREMENTS, timeout_s=540)


@pytest.fixture(scope="module")
def tensorflow_python() -> Path:
    """Python of the side venv with the latest tensorflow-cpu and tensorboard."""
    return side_venv("tensorflow", TENSORFLOW_REQUIREMENTS, timeout_s=1080)


@pytest.mark.timeout(600)
def test_roundtrip_on_oldest_protobuf(oldest_protobuf_python: Path, tmp_path: Path) -> None:
    """protobuf 3.20.3 (pure python) loads the generated modules, and what lightboard writes parses back."""
    out = run_script(oldest_protobuf_python, ROUNDTRIP_SCRIPT, str(tmp_path), OLDEST_PROTOBUF, "python")
    assert f"protobuf {OLDEST_PROTOBUF} python" in out and "ROUNDTRIP OK" in out, out


@pytest.mark.parametrize("implementation", ["default", "python"])
def test_roundtrip_on_newest_protobuf(implementation: str, tmp_path: Path) -> None:
    """The main venv's (newest) protobuf, with its default backend and the pure-python one."""
    import google.protobuf

    version = google.protobuf.__version__
    assert int(version.split(".")[0]) >= 7, (
        f"the main venv should have the newest protobuf (7.x or later), has {version}"
    )
    env = {} if implementation == "default" else {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}
    expected_impl = "" if implementation == "default" else "python"
    out = run_script(sys.executable, ROUNDTRIP_SCRIPT, str(tmp_path), version, expected_impl, env=env)
    assert f"protobuf {version}" in out and "ROUNDTRIP OK" in out, out


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("order", ["lightboard-first", "tensorflow-first"])
def test_beside_tensorflow(order: str, tensorflow_python: Path, tmp_path: Path) -> None:
    """lightboard, tensorflow and tensorboard protos share one process; TF and TB read lightboard's file."""
    out = run_script(tensorflow_python, TENSORFLOW_SCRIPT, order, str(tmp_path), timeout_s=300)
    assert "TENSORFLOW OK" in out, out


@pytest.mark.parametrize("order", ["lightboard-first", "tensorboard-first"])
def test_beside_tensorboard_pure_python_protobuf(order: str, tmp_path: Path) -> None:
    """With PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, lightboard's and tensorboard's protos coexist."""
    env = {"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}
    out = run_script(sys.executable, TENSORBOARD_SCRIPT, order, str(tmp_path), env=env)
    assert "TENSORBOARD OK" in out, out
