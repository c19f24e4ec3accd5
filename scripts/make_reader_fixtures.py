"""Write the event-file fixtures that the reader tests read: logdirs produced by the *real* other writers.

Run from the repository root with the main virtual environment (tensorboardX, torch, tensorboard, numpy)::

    .venv/bin/python scripts/make_reader_fixtures.py

It rewrites ``tests/reader/fixtures/{tensorboardx,torch,tensorflow}/``, ``expected.json`` and ``README.md``.
The TensorFlow part runs in the side virtual environment (found as ``.venvs/tensorflow-*/bin/python``, or
given with ``--tf-python``): this script starts that interpreter on itself with ``--tensorflow-part``, so the
whole generator stays one file.

``expected.json`` is built from the *inputs* this script passes to the writers (values rounded the way the
on-disk type rounds them), never from reading the files back. As a sanity check the script then reads every
run with tensorboard's ``EventFileLoader`` (migrated) and ``LegacyEventFileLoader`` (raw) and asserts that
the files hold exactly what ``expected.json`` says.

Layout of ``expected.json``: writer -> run (path relative to the writer's logdir, ``"."`` for the root) ->
on-disk tag -> entry. Each entry has ``kind`` (the plugin name after read-time migration), ``steps`` (in file
order), ``value_field`` (the raw ``Summary.Value`` oneof on disk: ``simple_value``, ``histo``, ``image``,
``audio``, ``tensor``, or null), and for tensors ``dtype`` and ``tensor_field`` (which TensorProto field holds
the data). Kind-specific keys:

* scalars: ``values`` (float32-rounded for simple_value / DT_FLOAT, float64 for DT_DOUBLE, float16-rounded
  for DT_HALF; NaN and infinities as the strings ``"nan"``, ``"inf"``, ``"-inf"``); optional ``display_name``.
* histograms: per step ``num`` (count of input values), ``min`` and ``max`` (of the inputs).
* images: ``width``, ``height``, ``count`` (images per step), ``format`` (``PNG`` or ``GIF``).
* audio: ``sample_rate``, ``frames``, ``channels``, ``count`` (clips per step).
* text: ``texts``, one per step: a string for a rank-0 tensor, a list for rank 1.
* pr_curves: ``num_thresholds``. mesh: ``name``, ``content_type``, ``shape``. custom_scalars: ``layout``.
* hparams: ``hparams`` (session_start_info), ``hparam_names`` and ``metric_tags`` (experiment), ``status``
  (session_end_info).
* ``wall_times`` where the writer API lets the caller fix them (tensorboardX and torch ``walltime=``).
* restart runs: ``preempted_steps`` / ``preempted_values``: what is left after per-tag preemption (a record at
  step s drops earlier-read records of that tag with step >= s).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "tests" / "reader" / "fixtures"
WRITERS = ("tensorboardx", "torch", "tensorflow")
BASE_WALL_TIME = 1_700_000_000.0
SAMPLE_RATE = 8000
AUDIO_FRAMES = 100
IMAGE_HEIGHT = 5
IMAGE_WIDTH = 4
PR_THRESHOLDS = 10

# Values chosen to exercise rounding: 0.1 is inexact in every float type, 16777217 needs more than float32's
# 24-bit mantissa, 1e300 overflows float32, 65504 is float16's maximum and 1e-7 is a float16 subnormal.
SCALAR_VALUES: list[float] = [0.1, 16777217.0, float("nan"), float("inf"), float("-inf"), -2.5]
DOUBLE_VALUES: list[float] = [0.1, 16777217.0, 1e300, float("nan"), -2.5]
HALF_VALUES: list[float] = [0.1, 1.5, 65504.0, 1e-7, 70000.0, float("nan")]

Entry = dict[str, Any]
Runs = dict[str, dict[str, Entry]]

# (value_field, dtype, tensor_field) of the raw Summary.Value as the writer puts it on disk.
SIMPLE = ("simple_value", None, None)
HISTO = ("histo", None, None)
IMAGE = ("image", None, None)
AUDIO = ("audio", None, None)
NO_VALUE = (None, None, None)


def tensor_field(dtype: str, field: str) -> tuple[str, str, str]:
    """Describe a value stored as a TensorProto of ``dtype`` whose data lives in ``field``."""
    return ("tensor", dtype, field)


def as_f32(value: float) -> float:
    """Round to float32 the way a float proto field or DT_FLOAT tensor stores the value."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


def as_f16(value: float) -> float:
    """Round to float16 (DT_HALF)."""
    with np.errstate(over="ignore"):
        return float(np.float16(value))


def encode_float(value: float) -> float | str:
    """JSON-safe float: NaN and infinities become strings."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def preempt(steps: Sequence[int], values: Sequence[Any]) -> tuple[list[int], list[Any]]:
    """Per-tag step preemption: a record at step s drops earlier records with step >= s."""
    kept: list[tuple[int, Any]] = []
    for step, value in zip(steps, values, strict=True):
        kept = [(s, v) for s, v in kept if s < step]
        kept.append((step, value))
    return [s for s, _ in kept], [v for _, v in kept]


def wait_for_next_second() -> None:
    """Sleep until the integer wall-clock second changes, so that file names (1 s resolution) sort in order."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)


def sine(frames: int, channels: int = 1) -> np.ndarray:
    """A deterministic [frames, channels] sine in [-0.5, 0.5]."""
    t = np.arange(frames, dtype=np.float64) / SAMPLE_RATE
    return np.stack([0.5 * np.sin(2 * np.pi * 440.0 * (c + 1) * t) for c in range(channels)], axis=1)


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM WAV of a [frames, channels] float array in [-1, 1]."""
    pcm = (samples * 32767).astype("<i2")
    with io.BytesIO() as buffer:
        with wave.open(buffer, "wb") as out:
            out.setnchannels(samples.shape[1])
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm.tobytes())
        return buffer.getvalue()


class Recorder:
    """Collects expected.json entries from the inputs given to a writer."""

    def __init__(self) -> None:
        self.runs: Runs = {}

    def add(
        self,
        run: str,
        tag: str,
        kind: str,
        step: int,
        storage: tuple[str | None, str | None, str | None],
        *,
        wall_time: float | None = None,
        fixed: dict[str, Any] | None = None,
        **per_step: Any,
    ) -> None:
        """Record one value of ``tag`` at ``step``; ``per_step`` keys are appended to lists."""
        entry = self.runs.setdefault(run, {}).setdefault(tag, {"kind": kind, "steps": []})
        value_field, dtype, field = storage
        constants: dict[str, Any] = {"kind": kind, "value_field": value_field, **(fixed or {})}
        if value_field == "tensor":
            constants.update(dtype=dtype, tensor_field=field)
        for key, value in constants.items():
            if entry.setdefault(key, value) != value:
                raise ValueError(f"{run}/{tag}: {key} changed from {entry[key]!r} to {value!r}")
        entry["steps"].append(step)
        if wall_time is not None:
            entry.setdefault("wall_times", []).append(wall_time)
        for key, value in per_step.items():
            entry.setdefault(key, []).append(value)

    def add_preemption(self, run: str) -> None:
        """Add ``preempted_steps`` (and ``preempted_values`` for scalars) to every tag of a restart run."""
        for entry in self.runs[run].values():
            values = entry.get("values", [None] * len(entry["steps"]))
            steps, kept = preempt(entry["steps"], values)
            entry["preempted_steps"] = steps
            if "values" in entry:
                entry["preempted_values"] = kept


def histogram_stats(values: np.ndarray) -> dict[str, Any]:
    """Per-step histogram facts that come from the inputs."""
    return {"num": int(values.size), "min": float(values.min()), "max": float(values.max())}


def layout_as_json(layout: dict[str, dict[str, list[Any]]]) -> list[dict[str, Any]]:
    """tensorboardX-style custom-scalar layout dict -> the normalised form compared against the Layout proto."""
    categories = []
    for title, charts in layout.items():
        out = []
        for chart_title, (chart_kind, tags) in charts.items():
            if chart_kind == "Margin":
                out.append({"title": chart_title, "margin": [list(tags)]})
            else:
                out.append({"title": chart_title, "multiline": list(tags)})
        categories.append({"title": title, "charts": out})
    return categories


# --------------------------------------------------------------------------------------------------------------
# tensorboardX
# --------------------------------------------------------------------------------------------------------------


def log_audio_text_pr(
    writer: Any, rec: Recorder, wt: Any, rs: np.random.RandomState, texts: list[str], convert: Any
) -> None:
    """Log two audio clips, ``texts`` and two PR curves the same way with tensorboardX's or torch's writer
    (``convert`` turns numpy inputs into the writer's favourite type), and record what to expect."""
    audio_fixed = {"sample_rate": SAMPLE_RATE, "frames": AUDIO_FRAMES, "channels": 1, "count": 1}
    for step in range(2):
        clip = convert(sine(AUDIO_FRAMES)[:, 0] * (step + 1) / 2)
        writer.add_audio("audio/sine", clip, step, sample_rate=SAMPLE_RATE, walltime=wt(step))
        rec.add(".", "audio/sine", "audio", step, AUDIO, wall_time=wt(step), fixed=audio_fixed)
    for step, text in enumerate(texts):
        writer.add_text("text/note", text, step, walltime=wt(step))
        string = tensor_field("DT_STRING", "string_val")
        rec.add(".", "text/note/text_summary", "text", step, string, wall_time=wt(step), texts=[text])
    for step in range(2):
        labels, predictions = convert(rs.randint(0, 2, size=20)), convert(rs.rand(20))
        writer.add_pr_curve("pr/curve", labels, predictions, step, num_thresholds=PR_THRESHOLDS, walltime=wt(step))
        curve = tensor_field("DT_FLOAT", "float_val")
        fixed = {"num_thresholds": PR_THRESHOLDS}
        rec.add(".", "pr/curve", "pr_curves", step, curve, wall_time=wt(step), fixed=fixed)


def write_tensorboardx(logdir: Path) -> tuple[Runs, list[str]]:
    """Log every tensorboardX add_* we care about; return the expected entries and notes on skipped parts."""
    from tensorboardX import SummaryWriter

    rec = Recorder()
    notes: list[str] = []
    rs = np.random.RandomState(0)

    def wt(step: int) -> float:
        return BASE_WALL_TIME + step + 0.25

    with SummaryWriter(logdir=str(logdir)) as writer:
        for step, value in enumerate(SCALAR_VALUES):
            writer.add_scalar("scalar/plain", value, step, walltime=wt(step))
            rec.add(
                ".", "scalar/plain", "scalars", step, SIMPLE, wall_time=wt(step), values=encode_float(as_f32(value))
            )
        for step, value in enumerate([1.0, 2.0]):
            writer.add_scalar(
                "scalar/described",
                value,
                step,
                walltime=wt(step),
                display_name="Described",
                summary_description="A scalar with *metadata* but no plugin name.",
            )
            rec.add(
                ".",
                "scalar/described",
                "scalars",
                step,
                SIMPLE,
                wall_time=wt(step),
                fixed={"display_name": "Described"},
                values=as_f32(value),
            )

        for step in range(3):
            group = {"train": 1.0 / (step + 1), "eval": 0.3 * step}
            writer.add_scalars("loss", group, step, walltime=wt(step))
            for key, value in group.items():
                rec.add(f"loss/{key}", "loss", "scalars", step, SIMPLE, wall_time=wt(step), values=as_f32(value))

        for step in range(3):
            data = rs.normal(loc=step, size=50)
            writer.add_histogram("histogram/normal", data, step, walltime=wt(step))
            rec.add(".", "histogram/normal", "histograms", step, HISTO, wall_time=wt(step), **histogram_stats(data))

        image_fixed = {"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "count": 1, "format": "PNG"}
        for step in range(2):
            writer.add_image("image/chw", rs.rand(3, IMAGE_HEIGHT, IMAGE_WIDTH), step, walltime=wt(step))
            rec.add(".", "image/chw", "images", step, IMAGE, wall_time=wt(step), fixed=image_fixed)
        # add_images tiles the batch into one grid image: min(N, 8) columns.
        batch = rs.rand(2, 3, IMAGE_HEIGHT, IMAGE_WIDTH)
        writer.add_images("image/batch", batch, 0, walltime=wt(0))
        rec.add(
            ".",
            "image/batch",
            "images",
            0,
            IMAGE,
            wall_time=wt(0),
            fixed={**image_fixed, "width": IMAGE_WIDTH * len(batch)},
        )

        log_audio_text_pr(writer, rec, wt, rs, ["hello **markdown**", "héllo ✓ — unicode"], convert=np.asarray)

        vertices = np.array([[[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]], dtype=np.float32)
        colors = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
        faces = np.array([[[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]], dtype=np.int32)
        writer.add_mesh("mesh/tetra", vertices, colors=colors, faces=faces, global_step=0, walltime=wt(0))
        for content_type, name, array in ((1, "VERTEX", vertices), (2, "FACE", faces), (3, "COLOR", colors)):
            rec.add(
                ".",
                f"mesh/tetra_{content_type}",
                "mesh",
                0,
                tensor_field("DT_FLOAT", "float_val"),
                wall_time=wt(0),
                fixed={"name": "mesh/tetra", "content_type": name, "shape": list(array.shape)},
            )

        layout = {
            "Losses": {"both": ["Multiline", ["loss/.*"]]},
            "Scalars": {"band": ["Margin", ["scalar/plain", "scalar/described", "scalar/described"]]},
        }
        with writer.use_metadata(global_step=0, walltime=wt(0)):
            writer.add_custom_scalars(layout)
        rec.add(
            ".",
            "custom_scalars__config__",
            "custom_scalars",
            0,
            tensor_field("DT_STRING", "string_val"),
            wall_time=wt(0),
            fixed={"layout": layout_as_json(layout)},
        )

        video = rs.rand(1, 3, 3, IMAGE_HEIGHT, IMAGE_WIDTH)  # N, T, C, H, W
        try:
            writer.add_video("video/clip", video, 0, fps=4, walltime=wt(0))
        except (ImportError, OSError, RuntimeError, ValueError, TypeError) as exc:
            notes.append(f"tensorboardX add_video skipped: {exc!r}")
        else:
            rec.add(".", "video/clip", "images", 0, IMAGE, wall_time=wt(0), fixed={**image_fixed, "format": "GIF"})

        hparam_dict: dict[str, Any] = {"lr": 0.01, "optimizer": "adam", "use_bn": True, "layers": 3}
        metric_dict = {"hparam/accuracy": 0.75}
        # add_hparams opens a child writer: no walltime parameter, and the three hparams summaries get no step.
        writer.add_hparams(hparam_dict, metric_dict, name="hparams_trial", global_step=3)
        add_hparams_entries(rec, "hparams_trial", hparam_dict, metric_dict, hparams_step=0, metric_step=3)

    # A restart: first writer logs 0..9, a second one with purge_step=5 (which writes SessionLog START at 5)
    # logs steps 5..7 of "loss" only. tensorboardX file names have no pid: wait so the names differ and sort.
    restart = logdir / "restart_purge"
    with SummaryWriter(logdir=str(restart)) as writer:
        for step in range(10):
            writer.add_scalar("loss", 10.0 - step, step, walltime=wt(step))
            writer.add_scalar("other", float(step), step, walltime=wt(step))
            rec.add("restart_purge", "loss", "scalars", step, SIMPLE, wall_time=wt(step), values=10.0 - step)
            rec.add("restart_purge", "other", "scalars", step, SIMPLE, wall_time=wt(step), values=float(step))
    wait_for_next_second()
    with SummaryWriter(logdir=str(restart), purge_step=5) as writer:
        for step in range(5, 8):
            writer.add_scalar("loss", 0.5 * step, step, walltime=wt(100 + step))
            rec.add("restart_purge", "loss", "scalars", step, SIMPLE, wall_time=wt(100 + step), values=0.5 * step)
    rec.add_preemption("restart_purge")
    return rec.runs, notes


def add_hparams_entries(
    rec: Recorder,
    run: str,
    hparam_dict: dict[str, Any],
    metric_dict: dict[str, float],
    *,
    hparams_step: int,
    metric_step: int,
) -> None:
    """Expected entries for tensorboardX / torch add_hparams: three hparams tags plus one scalar per metric."""
    values = {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in hparam_dict.items()}
    rec.add(
        run,
        "_hparams_/experiment",
        "hparams",
        hparams_step,
        NO_VALUE,
        fixed={"hparam_names": sorted(hparam_dict), "metric_tags": list(metric_dict)},
    )
    rec.add(run, "_hparams_/session_start_info", "hparams", hparams_step, NO_VALUE, fixed={"hparams": values})
    rec.add(run, "_hparams_/session_end_info", "hparams", hparams_step, NO_VALUE, fixed={"status": "STATUS_SUCCESS"})
    for tag, value in metric_dict.items():
        rec.add(run, tag, "scalars", metric_step, SIMPLE, values=as_f32(value))


# --------------------------------------------------------------------------------------------------------------
# torch.utils.tensorboard
# --------------------------------------------------------------------------------------------------------------


def write_torch(logdir: Path) -> tuple[Runs, list[str]]:
    """Log with torch.utils.tensorboard.SummaryWriter; return the expected entries."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    rec = Recorder()
    rs = np.random.RandomState(1)

    def wt(step: int) -> float:
        return BASE_WALL_TIME + 1000 + step + 0.5

    with SummaryWriter(log_dir=str(logdir)) as writer:
        for step, value in enumerate(SCALAR_VALUES):
            writer.add_scalar("scalar/simple", value, step, walltime=wt(step))
            rec.add(
                ".", "scalar/simple", "scalars", step, SIMPLE, wall_time=wt(step), values=encode_float(as_f32(value))
            )
            writer.add_scalar("scalar/new_style", value, step, walltime=wt(step), new_style=True)
            rec.add(
                ".",
                "scalar/new_style",
                "scalars",
                step,
                tensor_field("DT_FLOAT", "float_val"),
                wall_time=wt(step),
                values=encode_float(as_f32(value)),
            )
        for step, value in enumerate(DOUBLE_VALUES):
            writer.add_scalar("scalar/double", value, step, walltime=wt(step), new_style=True, double_precision=True)
            rec.add(
                ".",
                "scalar/double",
                "scalars",
                step,
                tensor_field("DT_DOUBLE", "double_val"),
                wall_time=wt(step),
                values=encode_float(value),
            )

        for step in range(3):
            data = torch.from_numpy(rs.normal(loc=-step, scale=2.0, size=40))
            writer.add_histogram("histogram/normal", data, step, walltime=wt(step))
            rec.add(
                ".", "histogram/normal", "histograms", step, HISTO, wall_time=wt(step), **histogram_stats(data.numpy())
            )

        for step in range(2):
            writer.add_image(
                "image/chw", torch.from_numpy(rs.rand(3, IMAGE_HEIGHT, IMAGE_WIDTH)), step, walltime=wt(step)
            )
            rec.add(
                ".",
                "image/chw",
                "images",
                step,
                IMAGE,
                wall_time=wt(step),
                fixed={"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "count": 1, "format": "PNG"},
            )

        log_audio_text_pr(writer, rec, wt, rs, ["torch *text*", "ünïcödé ✓"], convert=torch.from_numpy)

        hparam_dict: dict[str, Any] = {"lr": 0.01, "optimizer": "adam", "use_bn": True, "layers": 3}
        metric_dict = {"hparam/accuracy": 0.75}
        # Unlike tensorboardX, torch passes global_step to the hparams summaries too.
        writer.add_hparams(
            hparam_dict,
            metric_dict,
            hparam_domain_discrete={"optimizer": ["adam", "sgd"]},
            run_name="hparams_trial",
            global_step=3,
        )
        add_hparams_entries(rec, "hparams_trial", hparam_dict, metric_dict, hparams_step=3, metric_step=3)
    return rec.runs, []


# --------------------------------------------------------------------------------------------------------------
# TensorFlow (runs inside the TensorFlow virtual environment)
# --------------------------------------------------------------------------------------------------------------


def write_tensorflow(logdir: Path) -> Runs:
    """tf.summary v2, TF1-style FileWriter with legacy protos, and a restart. Wall times are TF's own."""
    import tensorflow as tf
    from tensorboard.plugins.scalar import metadata as scalar_metadata

    rec = Recorder()
    rs = np.random.RandomState(2)
    scalars_md = scalar_metadata.create_summary_metadata(display_name="", description="")
    string_tensor = tensor_field("DT_STRING", "string_val")

    # --- v2: tf.summary.create_file_writer. The C++ writer stores numeric tensors in tensor_content.
    run = "v2"
    writer = tf.summary.create_file_writer(str(logdir / run))
    with writer.as_default():
        for step, value in enumerate(SCALAR_VALUES):
            tf.summary.scalar("scalar/f32", value, step=step)
            rec.add(
                run,
                "scalar/f32",
                "scalars",
                step,
                tensor_field("DT_FLOAT", "tensor_content"),
                values=encode_float(as_f32(value)),
            )
        for step, value in enumerate(DOUBLE_VALUES):
            # tf.summary.scalar casts to float32, whatever the input dtype.
            tf.summary.scalar("scalar/f64_input", tf.constant(value, tf.float64), step=step)
            rec.add(
                run,
                "scalar/f64_input",
                "scalars",
                step,
                tensor_field("DT_FLOAT", "tensor_content"),
                values=encode_float(as_f32(value)),
            )
            # tf.summary.write keeps the dtype: DT_DOUBLE scalars.
            tf.summary.write("scalar/f64_raw", tf.constant(value, tf.float64), step=step, metadata=scalars_md)
            rec.add(
                run,
                "scalar/f64_raw",
                "scalars",
                step,
                tensor_field("DT_DOUBLE", "tensor_content"),
                values=encode_float(value),
            )
        for step, value in enumerate(HALF_VALUES):
            tf.summary.write("scalar/f16_raw", tf.constant(value, tf.float16), step=step, metadata=scalars_md)
            rec.add(
                run,
                "scalar/f16_raw",
                "scalars",
                step,
                tensor_field("DT_HALF", "tensor_content"),
                values=encode_float(as_f16(value)),
            )
        for step in range(3):
            data = rs.normal(loc=step, size=60)
            tf.summary.histogram("histogram/normal", data, step=step)
            rec.add(
                run,
                "histogram/normal",
                "histograms",
                step,
                tensor_field("DT_DOUBLE", "tensor_content"),
                **histogram_stats(data),
            )
        for step in range(2):
            images = rs.rand(2, IMAGE_HEIGHT, IMAGE_WIDTH, 3).astype(np.float32)
            tf.summary.image("image/rgb", images, step=step, max_outputs=3)
            rec.add(
                run,
                "image/rgb",
                "images",
                step,
                string_tensor,
                fixed={"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "count": 2, "format": "PNG"},
            )
        gray = (rs.rand(1, IMAGE_HEIGHT, IMAGE_WIDTH, 1) * 255).astype(np.uint8)
        tf.summary.image("image/gray", gray, step=0)
        rec.add(
            run,
            "image/gray",
            "images",
            0,
            string_tensor,
            fixed={"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "count": 1, "format": "PNG"},
        )
        for step in range(2):
            clip = (sine(AUDIO_FRAMES, channels=2) * (step + 1) / 2).astype(np.float32)[np.newaxis]
            tf.summary.audio("audio/stereo", clip, sample_rate=SAMPLE_RATE, step=step)
            rec.add(
                run,
                "audio/stereo",
                "audio",
                step,
                string_tensor,
                fixed={"sample_rate": SAMPLE_RATE, "frames": AUDIO_FRAMES, "channels": 2, "count": 1},
            )
        for step, text in enumerate(["tf *markdown*", "ünïcödé ✓"]):
            tf.summary.text("text/scalar", text, step=step)
            rec.add(run, "text/scalar", "text", step, string_tensor, texts=text)
        tf.summary.text("text/vector", ["a", "b ✓"], step=0)
        rec.add(run, "text/vector", "text", 0, string_tensor, texts=["a", "b ✓"])
    writer.close()

    # --- v1: FileWriter (graph mode only) with hand-built legacy protos.
    png = tf.io.encode_png((rs.rand(IMAGE_HEIGHT, IMAGE_WIDTH, 3) * 255).astype(np.uint8)).numpy()
    audio_clip = sine(AUDIO_FRAMES)
    wav = wav_bytes(audio_clip, SAMPLE_RATE)
    summary_cls = tf.compat.v1.Summary
    v1_scalars_md = tf.compat.v1.SummaryMetadata.FromString(scalars_md.SerializeToString())
    run = "v1"
    with tf.Graph().as_default():
        file_writer = tf.compat.v1.summary.FileWriter(str(logdir / run))
        for step, value in enumerate(SCALAR_VALUES):
            file_writer.add_summary(
                summary_cls(value=[summary_cls.Value(tag="scalar/simple", simple_value=value)]), global_step=step
            )
            rec.add(run, "scalar/simple", "scalars", step, SIMPLE, values=encode_float(as_f32(value)))
        for step, value in enumerate(HALF_VALUES):
            with np.errstate(over="ignore"):
                proto = tf.make_tensor_proto(np.float16(value))  # a rank-0 float16 -> half_val
            val = summary_cls.Value(tag="scalar/half_val", tensor=proto, metadata=v1_scalars_md)
            file_writer.add_summary(summary_cls(value=[val]), global_step=step)
            rec.add(
                run,
                "scalar/half_val",
                "scalars",
                step,
                tensor_field("DT_HALF", "half_val"),
                values=encode_float(as_f16(value)),
            )
        # Legacy histogram with empty first and last buckets (the read-time migration trims them).
        limits = [-10.0, -1.0, 0.0, 1.0, 10.0, sys.float_info.max]
        for step in range(2):
            data = rs.normal(size=40)
            counts = np.bincount(np.searchsorted(limits, data, side="right"), minlength=len(limits))
            histo = tf.compat.v1.HistogramProto(
                min=float(data.min()),
                max=float(data.max()),
                num=float(data.size),
                sum=float(data.sum()),
                sum_squares=float(np.dot(data, data)),
                bucket_limit=limits,
                bucket=[float(c) for c in counts],
            )
            file_writer.add_summary(
                summary_cls(value=[summary_cls.Value(tag="histogram/legacy", histo=histo)]), global_step=step
            )
            rec.add(run, "histogram/legacy", "histograms", step, HISTO, **histogram_stats(data))
        image = summary_cls.Image(height=IMAGE_HEIGHT, width=IMAGE_WIDTH, colorspace=3, encoded_image_string=png)
        file_writer.add_summary(summary_cls(value=[summary_cls.Value(tag="image/legacy", image=image)]), global_step=0)
        rec.add(
            run,
            "image/legacy",
            "images",
            0,
            IMAGE,
            fixed={"width": IMAGE_WIDTH, "height": IMAGE_HEIGHT, "count": 1, "format": "PNG"},
        )
        audio = summary_cls.Audio(
            sample_rate=SAMPLE_RATE,
            num_channels=1,
            length_frames=AUDIO_FRAMES,
            encoded_audio_string=wav,
            content_type="audio/wav",
        )
        file_writer.add_summary(summary_cls(value=[summary_cls.Value(tag="audio/legacy", audio=audio)]), global_step=0)
        rec.add(
            run,
            "audio/legacy",
            "audio",
            0,
            AUDIO,
            fixed={"sample_rate": SAMPLE_RATE, "frames": AUDIO_FRAMES, "channels": 1, "count": 1},
        )
        file_writer.close()

    # --- restart: steps 0..9, then a second file in the same run with steps 5..7 of "loss" only. No START.
    run = "restart"
    for restarted, steps, tags in ((False, range(10), ("loss", "other")), (True, range(5, 8), ("loss",))):
        wait_for_next_second()  # file names carry 1 s timestamps; keep them in chronological order
        writer = tf.summary.create_file_writer(str(logdir / run))
        with writer.as_default():
            for step in steps:
                for tag in tags:
                    value = float(step) if tag == "other" else (100.0 + step if restarted else 10.0 - step)
                    tf.summary.scalar(tag, value, step=step)
                    rec.add(run, tag, "scalars", step, tensor_field("DT_FLOAT", "tensor_content"), values=value)
        writer.close()
    rec.add_preemption(run)
    return rec.runs


def tensorflow_part(logdir: Path, result_path: Path) -> None:
    """Entry point inside the TensorFlow venv: write the logdir, dump expected entries and versions as JSON."""
    import tensorboard
    import tensorflow as tf

    runs = write_tensorflow(logdir)
    versions = {
        "tensorflow": tf.__version__,
        "tensorboard (TF venv)": tensorboard.__version__,
        "numpy (TF venv)": np.__version__,
        "python (TF venv)": platform.python_version(),
    }
    result_path.write_text(json.dumps({"runs": runs, "versions": versions}, allow_nan=False), encoding="utf-8")


def find_tf_python() -> Path:
    """The side venv's interpreter: .venvs/tensorflow-*/bin/python."""
    candidates = sorted(REPO_ROOT.glob(".venvs/tensorflow-*/bin/python"))
    if not candidates:
        raise SystemExit("no TensorFlow venv found under .venvs/tensorflow-*/; pass --tf-python")
    return candidates[0]


def run_tensorflow_part(tf_python: Path, logdir: Path) -> tuple[Runs, dict[str, str]]:
    """Start this script with --tensorflow-part in the TensorFlow venv and collect its expected entries."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "tf.json"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0"}
        cmd = [
            str(tf_python),
            str(Path(__file__).resolve()),
            "--tensorflow-part",
            "--logdir",
            str(logdir),
            "--result",
            str(result),
        ]
        subprocess.run(cmd, check=True, env=env)
        data = json.loads(result.read_text(encoding="utf-8"))
    return data["runs"], data["versions"]


# --------------------------------------------------------------------------------------------------------------
# Sanity check: read the files back with tensorboard's loaders and compare with the expected entries.
# --------------------------------------------------------------------------------------------------------------


def find_runs(logdir: Path) -> dict[str, list[Path]]:
    """Run name -> event files (sorted by name), for every directory directly holding a tfevents file."""
    runs: dict[str, list[Path]] = {}
    for directory, _, files in os.walk(logdir):
        events = sorted(Path(directory) / f for f in files if "tfevents" in f)
        if events:
            runs[os.path.relpath(directory, logdir).replace(os.sep, "/")] = events
    return runs


def _set_fixed(entry: Entry, key: str, value: Any) -> None:
    if entry.setdefault(key, value) != value:
        raise AssertionError(f"{key} differs between records: {entry[key]!r} vs {value!r}")


def observe_value(entry: Entry, raw: Any, migrated: Any) -> None:
    """Fold one Summary.Value (raw as on disk, and after tensorboard's read-time migration) into ``entry``."""
    from PIL import Image
    from tensorboard.compat.proto import types_pb2
    from tensorboard.plugins.hparams import api_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2 as hparams_pb2
    from tensorboard.plugins.mesh import plugin_data_pb2 as mesh_pb2
    from tensorboard.plugins.pr_curve import plugin_data_pb2 as pr_pb2
    from tensorboard.util import tensor_util

    field = raw.WhichOneof("value")
    _set_fixed(entry, "value_field", field)
    if field == "tensor":
        _set_fixed(entry, "dtype", types_pb2.DataType.Name(raw.tensor.dtype))
        stored = [
            name
            for name in ("float_val", "double_val", "half_val", "string_val", "int_val", "tensor_content")
            if getattr(raw.tensor, name)
        ]
        _set_fixed(entry, "tensor_field", stored[0] if len(stored) == 1 else stored)
    if raw.metadata.display_name:
        _set_fixed(entry, "display_name", raw.metadata.display_name)
    kind = entry["kind"]
    content = migrated.metadata.plugin_data.content
    array = tensor_util.make_ndarray(migrated.tensor) if migrated.HasField("tensor") else None
    if kind == "scalars":
        entry.setdefault("values", []).append(encode_float(float(array.item())))
    elif kind == "histograms":
        # Python's migration of a legacy histo yields float32 edges, so take min/max from the raw proto then.
        num, low, high = int(array[:, 2].sum()), float(array[0, 0]), float(array[-1, 1])
        if field == "histo":
            if int(sum(raw.histo.bucket)) != num or raw.histo.num != num:
                raise AssertionError(f"histo counts {raw.histo.num}, {sum(raw.histo.bucket)} vs migrated {num}")
            low, high = raw.histo.min, raw.histo.max
        entry.setdefault("num", []).append(num)
        entry.setdefault("min", []).append(low)
        entry.setdefault("max", []).append(high)
    elif kind == "images":
        width, height, *blobs = array.tolist()
        _set_fixed(entry, "width", int(width))
        _set_fixed(entry, "height", int(height))
        _set_fixed(entry, "count", len(blobs))
        for blob in blobs:
            with Image.open(io.BytesIO(blob)) as img:
                if img.size != (int(width), int(height)):
                    raise AssertionError(f"image size {img.size} vs tensor header {width}x{height}")
                _set_fixed(entry, "format", img.format)
    elif kind == "audio":
        blobs = array[:, 0] if array.ndim == 2 else array
        _set_fixed(entry, "count", len(blobs))
        for blob in blobs:
            with wave.open(io.BytesIO(blob), "rb") as wav:
                _set_fixed(entry, "sample_rate", wav.getframerate())
                _set_fixed(entry, "frames", wav.getnframes())
                _set_fixed(entry, "channels", wav.getnchannels())
    elif kind == "text":
        texts = array.item().decode("utf-8") if array.ndim == 0 else [b.decode("utf-8") for b in array.ravel()]
        entry.setdefault("texts", []).append(texts)
    elif kind == "pr_curves":
        thresholds = pr_pb2.PrCurvePluginData.FromString(content).num_thresholds
        if list(array.shape) != [6, thresholds]:
            raise AssertionError(f"pr_curve shape {array.shape} vs num_thresholds {thresholds}")
        _set_fixed(entry, "num_thresholds", thresholds)
    elif kind == "mesh":
        mesh = mesh_pb2.MeshPluginData.FromString(content)
        _set_fixed(entry, "name", mesh.name)
        _set_fixed(entry, "content_type", mesh_pb2.MeshPluginData.ContentType.Name(mesh.content_type))
        _set_fixed(entry, "shape", list(mesh.shape))
    elif kind == "custom_scalars":
        _set_fixed(entry, "layout", observe_layout(array.item()))
    elif kind == "hparams":
        data = hparams_pb2.HParamsPluginData.FromString(content)
        which = data.WhichOneof("data")
        if which == "experiment":
            _set_fixed(entry, "hparam_names", sorted(h.name for h in data.experiment.hparam_infos))
            _set_fixed(entry, "metric_tags", [m.name.tag for m in data.experiment.metric_infos])
        elif which == "session_start_info":
            hparams = {k: getattr(v, v.WhichOneof("kind")) for k, v in data.session_start_info.hparams.items()}
            _set_fixed(entry, "hparams", hparams)
        else:
            _set_fixed(entry, "status", api_pb2.Status.Name(data.session_end_info.status))


def observe_layout(serialized: bytes) -> list[dict[str, Any]]:
    """Layout proto -> the normalised form produced by layout_as_json."""
    from tensorboard.plugins.custom_scalar import layout_pb2

    categories = []
    for category in layout_pb2.Layout.FromString(serialized).category:
        charts: list[dict[str, Any]] = []
        for chart in category.chart:
            if chart.WhichOneof("content") == "margin":
                charts.append(
                    {"title": chart.title, "margin": [[s.value, s.lower, s.upper] for s in chart.margin.series]}
                )
            else:
                charts.append({"title": chart.title, "multiline": list(chart.multiline.tag)})
        categories.append({"title": category.title, "charts": charts})
    return categories


def observe_run(files: list[Path]) -> tuple[dict[str, Entry], dict[str, Any]]:
    """Read one run's files in name order; return per-tag observations and run-level facts."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader, LegacyEventFileLoader

    raw_values: dict[str, list[tuple[Any, Any]]] = {}
    migrated_values: dict[str, list[Any]] = {}
    facts: dict[str, Any] = {"files": len(files), "session_log_starts": [], "headers": []}
    for path in files:
        for event in LegacyEventFileLoader(str(path)).Load():
            if event.HasField("file_version"):
                writer = event.source_metadata.writer or "none"
                facts["headers"].append(f"{event.file_version!r} at step {event.step} (writer: {writer})")
            if event.HasField("session_log") and event.session_log.status == event.session_log.START:
                facts["session_log_starts"].append(event.step)
            for value in event.summary.value:
                raw_values.setdefault(value.tag, []).append((event, value))
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                migrated_values.setdefault(value.tag, []).append(value)
    observed: dict[str, Entry] = {}
    for tag, raws in raw_values.items():
        migrated = migrated_values[tag]
        if len(migrated) != len(raws):
            raise AssertionError(f"{tag}: {len(raws)} raw values but {len(migrated)} migrated")
        plugin = next(m.metadata.plugin_data.plugin_name for m in migrated if m.metadata.plugin_data.plugin_name)
        entry: Entry = {"kind": plugin, "steps": [], "wall_times": [], "metadata_count": 0}
        for (event, raw), mig in zip(raws, migrated, strict=True):
            entry["steps"].append(event.step)
            entry["wall_times"].append(event.wall_time)
            entry["metadata_count"] += raw.HasField("metadata")
            observe_value(entry, raw, mig)
        if "values" in entry:
            entry["preempted_steps"], entry["preempted_values"] = preempt(entry["steps"], entry["values"])
        else:
            entry["preempted_steps"] = preempt(entry["steps"], entry["steps"])[0]
        observed[tag] = entry
    return observed, facts


def same(key: str, expected: Any, observed: Any) -> bool:
    """Equality, with a small tolerance only for histogram edges that TF computes from min/max."""
    if key in ("min", "max"):
        return len(expected) == len(observed) and all(
            math.isclose(e, o, rel_tol=1e-12, abs_tol=1e-12) for e, o in zip(expected, observed, strict=True)
        )
    return bool(expected == observed)


def check(logdir: Path, expected: Runs) -> list[str]:
    """Assert the files under ``logdir`` hold exactly ``expected``; return a short per-run description."""
    runs = find_runs(logdir)
    if sorted(runs) != sorted(expected):
        raise AssertionError(f"{logdir}: runs on disk {sorted(runs)} vs expected {sorted(expected)}")
    lines = []
    for run, files in sorted(runs.items()):
        observed, facts = observe_run(files)
        if sorted(observed) != sorted(expected[run]):
            raise AssertionError(f"{logdir}/{run}: tags on disk {sorted(observed)} vs expected {sorted(expected[run])}")
        for tag, entry in expected[run].items():
            for key, value in entry.items():
                if key not in observed[tag] or not same(key, value, observed[tag][key]):
                    raise AssertionError(
                        f"{logdir.name}/{run}/{tag}: {key}: expected {value!r}, on disk {observed[tag].get(key)!r}"
                    )
        with_md = {t: f"{o['metadata_count']}/{len(o['steps'])}" for t, o in sorted(observed.items())}
        starts = facts["session_log_starts"] or "none"
        lines.append(
            f"{logdir.name}/{run}: {facts['files']} file(s); file_version events: "
            f"{'; '.join(facts['headers'])}; SessionLog START at steps: {starts}; "
            f"values with metadata: {', '.join(f'{t} {n}' for t, n in with_md.items())}"
        )
    return lines


# --------------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------------


def versions_main() -> dict[str, str]:
    """Versions of the main-venv libraries that wrote or checked the fixtures."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for package in (
        "tensorboardX",
        "torch",
        "tensorboard",
        "numpy",
        "protobuf",
        "pillow",
        "soundfile",
        "moviepy",
        "imageio",
    ):
        try:
            out[package] = md.version(package)
        except md.PackageNotFoundError:
            out[package] = "not installed"
    return out


def total_size(directory: Path) -> int:
    """Bytes in all files under ``directory``."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def write_readme(out_dir: Path, versions: dict[str, str], notes: list[str], facts: list[str]) -> None:
    """README.md: what is there, the versions used, what the files hold and how to regenerate."""
    version_lines = "\n".join(f"| {name} | {version} |" for name, version in versions.items())
    note_lines = "\n".join(f"* {note}" for note in notes) or "* none"
    fact_lines = "\n".join(f"* `{line.split(':', 1)[0]}`:{line.split(':', 1)[1]}" for line in facts)
    text = f"""# Reader fixtures: event files written by other writers

Generated by `scripts/make_reader_fixtures.py`; do not edit by hand. Regenerate from the repository root with

```
.venv/bin/python scripts/make_reader_fixtures.py
```

(the TensorFlow part runs in `.venvs/tensorflow-*/bin/python`, or `--tf-python PATH`).

* `tensorboardx/`: tensorboardX `SummaryWriter`. Root run: `add_scalar` (NaN, ±inf, 16777217 → 16777216; one
  tag with `display_name`, i.e. metadata without a plugin name), `add_histogram`, `add_image`, `add_images`,
  `add_audio`, `add_text`, `add_pr_curve`, `add_mesh`, `add_custom_scalars`, `add_video` (GIF). Child runs:
  `loss/train`, `loss/eval` (`add_scalars`), `hparams_trial` (`add_hparams`). `restart_purge`: steps 0..9 of
  `loss` and `other`, then a second file from `SummaryWriter(purge_step=5)` (which writes, after the header, a
  second `file_version` event at step 5 and a `SessionLog START` at step 5) with `loss` at steps 5..7.
* `torch/`: `torch.utils.tensorboard.SummaryWriter`: `add_scalar` as `simple_value`, `new_style=True` (DT_FLOAT)
  and `new_style=True, double_precision=True` (DT_DOUBLE), `add_histogram`, `add_image`, `add_audio`, `add_text`,
  `add_pr_curve`, `add_hparams` (child run `hparams_trial`).
* `tensorflow/v2`: `tf.summary` v2: scalars (float32; float64 input, cast to DT_FLOAT by `tf.summary.scalar`),
  DT_DOUBLE and DT_HALF scalars via `tf.summary.write`, histogram, images, stereo audio, rank-0 and rank-1 text.
  Numeric tensors are stored in `tensor_content`.
* `tensorflow/v1`: `tf.compat.v1.summary.FileWriter` with legacy protos: `simple_value`, DT_HALF scalar in
  `half_val`, `HistogramProto` (empty first/last buckets), `Summary.Image` (PNG), `Summary.Audio` (WAV).
* `tensorflow/restart`: two files in one run: `loss`/`other` at 0..9, then `loss` at 5..7 (no SessionLog).
* `expected.json`: per writer → run → on-disk tag: what the script logged (see the script's docstring for the
  keys). Built from the inputs, then checked against the files with tensorboard's loaders.

Wall times are fixed (`walltime=`) for tensorboardX/torch values, except the file-header events and the
`add_hparams` child runs; TensorFlow sets its own. Event file names carry a timestamp, host name and pid.
Regenerating gives the same records apart from wall times and file names, except that the order of the
`hparams` map inside the serialized `session_start_info` varies (protobuf map order is not deterministic).

## What the files hold (read back by the script's sanity check)

"values with metadata" counts, per tag, the values that carry `SummaryMetadata` on disk.

{fact_lines}

## Versions

| package | version |
|---|---|
{version_lines}

## Not produced / notes

{note_lines}
"""
    (out_dir / "README.md").write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run either the whole generator or, inside the TF venv, its TensorFlow part."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=FIXTURES_DIR, help="fixtures directory (default: %(default)s)")
    parser.add_argument("--tf-python", type=Path, default=None, help="python of the TensorFlow venv")
    parser.add_argument("--tensorflow-part", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--logdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.tensorflow_part:
        tensorflow_part(args.logdir, args.result)
        return 0

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in WRITERS:
        shutil.rmtree(out / name, ignore_errors=True)

    expected: dict[str, Runs] = {}
    notes: list[str] = []
    expected["tensorboardx"], tbx_notes = write_tensorboardx(out / "tensorboardx")
    expected["torch"], torch_notes = write_torch(out / "torch")
    expected["tensorflow"], tf_versions = run_tensorflow_part(args.tf_python or find_tf_python(), out / "tensorflow")
    notes += tbx_notes + torch_notes

    with (out / "expected.json").open("w", encoding="utf-8") as fh:
        json.dump(expected, fh, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
        fh.write("\n")

    written = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    facts = [line for name in WRITERS for line in check(out / name, written[name])]
    print("\n".join(facts))
    write_readme(out, {**versions_main(), **tf_versions}, notes, facts)
    for note in notes:
        print("NOTE:", note)
    print(f"fixtures OK: {out} ({total_size(out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
