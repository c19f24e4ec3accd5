"""Live logdirs and damaged files: refresh reads only what was appended, resumes partial records, finds new
files and runs, and reports damage instead of raising."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

import lightboard
from lightboard import SummaryWriter
from lightboard.events.record import frame
from lightboard.proto.summary_pb2 import HistogramProto, Summary
from lightboard.reader import cursor
from tests.reader import corpus
from tests.reader.test_scan import mutate


def scalar_record(step: int, value: float, tag: str = "loss") -> bytes:
    return frame(corpus.event(step, corpus.Summary.Value(tag=tag, simple_value=value)))


def test_refresh_reads_only_new_bytes_and_new_runs(tmp_path: Path) -> None:
    writer = SummaryWriter(str(tmp_path / "a"))
    for step in range(100):
        writer.add_scalar("loss", step * 0.5, step)
    writer.flush()
    logdir = lightboard.read(tmp_path)
    assert logdir.scalars("a", "loss").step.tolist() == list(range(100))
    (path,) = logdir.run("a").files()
    size = os.path.getsize(path)
    for step in range(100, 150):
        writer.add_scalar("loss", step * 0.5, step)
    writer.flush()
    assert logdir.refresh() == os.path.getsize(path) - size  # only the appended bytes
    series = logdir.scalars("a", "loss")
    assert series.step.tolist() == list(range(150)) and series.value[-1] == 74.5
    assert logdir.refresh() == 0
    with SummaryWriter(str(tmp_path / "b")) as other:
        other.add_scalar("acc", 1.0, 0)
    writer.add_text("note", "hi", 0)
    writer.close()
    logdir.refresh()
    assert logdir.runs == ["a", "b"] and logdir.scalars("b", "acc").value.tolist() == [1.0]
    assert logdir.run("a").tags()["text"] == ["note/text_summary"]


def test_partial_trailing_record_waits_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    records = [scalar_record(step, step) for step in range(10)]
    data = b"".join(records)
    cut = len(data) - len(records[-1]) // 2
    path.write_bytes(data[:cut])
    logdir = lightboard.read(tmp_path)
    assert logdir.scalars(".", "loss").step.tolist() == list(range(9))
    for end in (cut + 1, len(data) - 1):  # still partial
        path.write_bytes(data[:end])
        logdir.refresh()
        assert len(logdir.scalars(".", "loss")) == 9
    path.write_bytes(data + scalar_record(10, 10.0))
    logdir.refresh()
    assert logdir.scalars(".", "loss").step.tolist() == list(range(11))
    assert logdir.damage == []


def test_records_larger_than_a_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursor, "BLOCK_SIZE", 64)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("loss", 1.0, 0)
        writer.add_image("picture", np.zeros((3, 16, 16)), 0)
        writer.add_scalar("loss", 2.0, 1)
    run = lightboard.read(tmp_path).run(".")
    assert run.scalars("loss").value.tolist() == [1.0, 2.0]
    assert run.images("picture")[0].to_array().shape == (16, 16, 3)


def test_damage_is_skipped_and_reported(tmp_path: Path) -> None:
    records = [scalar_record(step, step) for step in range(6)]
    payload_flip = bytearray(records[1])
    payload_flip[20] ^= 0x01  # inside the payload: that record is skipped
    length_flip = bytearray(records[4])
    length_flip[0] ^= 0x01  # inside the length: the rest of the file is skipped
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(records[0] + bytes(payload_flip) + records[2] + records[3] + bytes(length_flip) + records[5])
    logdir = lightboard.read(tmp_path)
    assert logdir.scalars(".", "loss").step.tolist() == [0, 2, 3]
    offsets = np.cumsum([0] + [len(r) for r in records])
    assert [(d.offset, d.problem) for d in logdir.damage] == [
        (offsets[1], "payload checksum"),
        (offsets[4], "length checksum"),
    ]
    assert all(d.path == str(path) for d in logdir.damage) and str(path) in str(logdir.damage[0])
    with open(path, "ab") as file:  # a broken file is not read again
        file.write(scalar_record(9, 9.0))
    assert logdir.refresh() == 0


def test_a_file_that_shrinks_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(scalar_record(0, 0.0) + scalar_record(1, 1.0))
    logdir = lightboard.read(tmp_path)
    path.write_bytes(scalar_record(0, 0.0))
    logdir.refresh()
    assert [d.problem for d in logdir.damage] == ["file shrank"]
    assert len(logdir.scalars(".", "loss")) == 2


def test_restarts_preempt_by_default_and_keep_on_request(tmp_path: Path) -> None:
    first = b"".join(scalar_record(step, step) for step in range(10)) + scalar_record(0, 5.0, tag="other")
    second = b"".join(scalar_record(step, 100 + step) for step in range(5, 8))
    (tmp_path / "events.out.tfevents.1.host").write_bytes(first)
    (tmp_path / "events.out.tfevents.2.host").write_bytes(second)
    preempted = lightboard.read(tmp_path)
    assert preempted.scalars(".", "loss").step.tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert preempted.scalars(".", "loss").value.tolist()[5:] == [105, 106, 107]
    assert preempted.scalars(".", "other").step.tolist() == [0]  # tags without new points keep theirs
    kept = lightboard.read(tmp_path, restarts="keep")
    assert kept.scalars(".", "loss").step.tolist() == [*range(10), 5, 6, 7]
    with pytest.raises(ValueError, match="restarts must be one of"):
        lightboard.read(tmp_path, restarts="purge")


def test_preemption_spans_refreshes(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(b"".join(scalar_record(step, step) for step in range(10)))
    logdir = lightboard.read(tmp_path)
    assert len(logdir.scalars(".", "loss")) == 10
    with open(path, "ab") as file:
        file.write(scalar_record(3, 30.0) + scalar_record(4, 40.0))
    logdir.refresh()
    series = logdir.scalars(".", "loss")
    assert series.step.tolist() == [0, 1, 2, 3, 4] and series.value.tolist()[3:] == [30.0, 40.0]


def test_one_file_a_run_directory_and_errors(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    path = tmp_path / "run" / "events.out.tfevents.1.host"
    path.write_bytes(scalar_record(0, 1.0))
    (tmp_path / "run" / "events.out.tfevents.2.host").write_bytes(scalar_record(1, 2.0))
    assert lightboard.read(path).scalars(".", "loss").step.tolist() == [0]  # just that file
    assert lightboard.read(tmp_path / "run").scalars(".", "loss").step.tolist() == [0, 1]
    with pytest.raises(FileNotFoundError, match="no such logdir"):
        lightboard.read(tmp_path / "missing")
    logdir = lightboard.read(tmp_path)
    with pytest.raises(KeyError, match=r"no run 'nope'.*runs: \['run'\]"):
        logdir.run("nope")
    with pytest.raises(KeyError, match="no tag 'nope'"):
        logdir.scalars("run", "nope")


def test_symlink_cycles_are_walked_once(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "events.out.tfevents.1.host").write_bytes(scalar_record(0, 1.0))
    os.symlink(tmp_path, tmp_path / "run" / "loop")
    assert lightboard.read(tmp_path).runs == ["run"]


def test_wrong_kind_is_a_clear_error(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_text("note", "hi", 0)
    with pytest.raises(ValueError, match=r"'note/text_summary' of run '\.' holds text, not scalars"):
        lightboard.read(tmp_path).scalars(".", "note/text_summary")


def test_damaged_files_never_raise(tmp_path: Path) -> None:
    """The fuzz cases again, as files read through the whole reader (every kind decoded)."""
    payloads = corpus.hand_made() + corpus.from_fixtures()
    path = tmp_path / "events.out.tfevents.1.host"
    for case in range(300):
        path.write_bytes(mutate(random.Random(case), payloads))
        logdir = lightboard.read(path)
        run = logdir.run(".")
        for kind, tags in run.tags().items():
            for tag in tags:
                if kind == "scalars":
                    run.scalars(tag)
                elif kind in ("histograms", "images", "audio", "text", "pr_curves"):
                    getattr(run, kind)(tag)
                elif kind != "graphs":
                    run.values(tag)
        logdir.scalars_frame()


def test_steps_without_decoding_and_damage_listed_once(tmp_path: Path) -> None:
    bad = corpus.Summary.Value(tag="pic", image=Summary.Image(width=1, height=1, encoded_image_string=b"x"))
    good = corpus.Summary.Value(tag="pic", histo=HistogramProto(min=0, max=1, bucket_limit=[1], bucket=[2]))
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(frame(corpus.event(1, bad)) + frame(corpus.event(2, good)))
    run = lightboard.read(tmp_path).run(".")
    assert run.kind("pic") == "images" and run.steps("pic").tolist() == [1, 2]
    assert [p.step for p in run.images("pic")] == [1]  # the histogram under an image tag cannot be an image
    run.images("pic")
    (problem,) = run.damage
    assert problem.path == str(tmp_path) and "holds no image" in problem.problem


def test_pivot_refuses_a_tag_named_like_its_columns(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("step", 1.0, 0)
    with pytest.raises(ValueError, match="tag 'step' would overwrite"):
        lightboard.read(tmp_path).scalars_frame(pivot=True)


def test_reading_runs_on_threads_gives_the_same_data(tmp_path: Path) -> None:
    for run in range(5):
        with SummaryWriter(str(tmp_path / f"run{run}")) as writer:
            for step in range(2_000):
                writer.add_scalar("loss", step * run, step)
                writer.add_scalar("other", -step, step)
            writer.add_text("note", f"run {run}", 3)
    calls: list[list[tuple[int, int]]] = [[], []]
    one = lightboard.read(tmp_path, progress=lambda done, total: calls[0].append((done, total)))
    four = lightboard.read(tmp_path, progress=lambda done, total: calls[1].append((done, total)), threads=4)
    assert one.runs == four.runs
    for run in one.runs:
        assert one.run(run).tags() == four.run(run).tags()
        for tag in ("loss", "other"):
            for ours, theirs in zip(one.scalars(run, tag), four.scalars(run, tag), strict=True):
                np.testing.assert_array_equal(ours, theirs)
        assert one.run(run).text("note/text_summary") == four.run(run).text("note/text_summary")
    assert calls[0][-1] == calls[1][-1] and calls[1][-1][0] == calls[1][-1][1]
    assert [done for done, _ in calls[1]] == sorted(done for done, _ in calls[1])
