"""Images (``add_image``, ``add_images``, ``add_figure``, the GIFs of ``add_video``) and audio (``add_audio``):
every sample's metadata as points, and each sample's encoded bytes on demand at ``/api/<kind>/blob``.

The page cannot show them yet (their dashboards are listed, not viewable); the routes are the contract the
media dashboards build on.
"""

from __future__ import annotations

from typing import Any

from lightboard.reader import Run
from lightboard.serve.plugin import Plugin

_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"), (b"\xff\xd8\xff", "image/jpeg"))


def image_type(encoded: bytes) -> str:
    """The media type of an encoded image, from its first bytes (``application/octet-stream`` when unknown)."""
    return next((kind for magic, kind in _SIGNATURES if encoded.startswith(magic)), "application/octet-stream")


def image_points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every image of ``tag`` in ``run``: ``step``, ``wall_time``, ``index`` (within its step), ``width``,
    ``height``, ``type`` (media type) and ``size`` (bytes)."""
    return [
        {
            "step": image.step,
            "wall_time": image.wall_time,
            "index": image.index,
            "width": image.width,
            "height": image.height,
            "type": image_type(image.encoded),
            "size": len(image.encoded),
        }
        for image in run.images(tag)
    ]


def image_blob(run: Run, tag: str, step: int, index: int) -> tuple[bytes, str]:
    """The encoded image ``index`` of ``step`` (the last logged, when the step was logged more than once)."""
    found = [image for image in run.images(tag) if image.step == step and image.index == index]
    if not found:
        raise LookupError(f"tag {tag!r} of run {run.name!r} has no image {index} at step {step}")
    return found[-1].encoded, image_type(found[-1].encoded)


def audio_points(run: Run, tag: str) -> list[dict[str, Any]]:
    """Every clip of ``tag`` in ``run``: ``step``, ``wall_time``, ``index``, ``sample_rate``, ``label``, ``size``."""
    return [
        {
            "step": clip.step,
            "wall_time": clip.wall_time,
            "index": clip.index,
            "sample_rate": clip.sample_rate,
            "label": clip.label,
            "size": len(clip.encoded),
        }
        for clip in run.audio(tag)
    ]


def audio_blob(run: Run, tag: str, step: int, index: int) -> tuple[bytes, str]:
    """The encoded clip ``index`` of ``step`` (WAV)."""
    found = [clip for clip in run.audio(tag) if clip.step == step and clip.index == index]
    if not found:
        raise LookupError(f"tag {tag!r} of run {run.name!r} has no clip {index} at step {step}")
    return found[-1].encoded, "audio/wav"


_COMMON = {"step": {"type": "integer"}, "wall_time": {"type": "number"}, "index": {"type": "integer"}}
IMAGES = Plugin(
    name="images",
    title="Images",
    kind="images",
    points=image_points,
    blob=image_blob,
    viewable=False,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "index", "width", "height", "type", "size"],
        "properties": {
            **_COMMON,
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "type": {"type": "string", "description": "Media type: image/png, image/gif (a video), image/jpeg."},
            "size": {"type": "integer", "description": "Bytes of the encoded image (fetch them at /api/images/blob)."},
        },
    },
)
AUDIO = Plugin(
    name="audio",
    title="Audio",
    kind="audio",
    points=audio_points,
    blob=audio_blob,
    viewable=False,
    point_schema={
        "type": "object",
        "required": ["step", "wall_time", "index", "sample_rate", "label", "size"],
        "properties": {
            **_COMMON,
            "sample_rate": {"type": "number"},
            "label": {"type": "string"},
            "size": {"type": "integer", "description": "Bytes of the WAV clip (fetch them at /api/audio/blob)."},
        },
    },
)
