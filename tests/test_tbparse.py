"""tbparse, the most used third-party reader, reads lightboard's files exactly."""

from __future__ import annotations

import pathlib

import numpy as np
from tbparse import SummaryReader

from lightboard import SummaryWriter


def test_tbparse_reads_scalars_histograms_and_text(tmp_path: pathlib.Path) -> None:
    values = np.random.default_rng(3).normal(size=500)
    with SummaryWriter(tmp_path) as writer:
        for step in range(50):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_scalars("pair", {"a": 1.0, "b": 2.0}, 7)
        writer.add_histogram("w", values, 3)
        writer.add_text("note", "hello *tbparse*", 4)

    scalars = SummaryReader(str(tmp_path), extra_columns={"dir_name"}).scalars
    loss = scalars[scalars.tag == "loss"]
    assert loss.step.tolist() == list(range(50))
    np.testing.assert_array_equal(loss.value.to_numpy(np.float32), (1.0 / (np.arange(50) + 1)).astype(np.float32))
    pair = scalars[scalars.tag == "pair"].sort_values("dir_name")
    assert pair.dir_name.tolist() == ["pair/a", "pair/b"]
    assert pair.value.tolist() == [1.0, 2.0]

    histograms = SummaryReader(str(tmp_path)).histograms
    [row] = histograms.itertuples()
    assert (row.tag, row.step, int(sum(row.counts))) == ("w", 3, 500)

    text = SummaryReader(str(tmp_path)).text
    assert text.tag.tolist() == ["note"]
    assert text.value.tolist() == ["hello *tbparse*"]
