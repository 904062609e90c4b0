"""``score`` reads rows once, for both routes: the chunks Ray's actors score are the local route's own.

A column the model does not name keeps its text (``007``, ``NA``, ``TRUE``)
when the output is CSV, and every chunk carries the number of its first row,
on one machine and on Ray alike.  These tests replace the Ray route by a
stand-in that scores here, so they need no Ray; ``test_ray.py`` scores the
same file on a real cluster.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

import causalppl as cp
from causalppl.inference.scale import score
from causalppl.inference.scale.frames import score_frame

MEDIATION = """
model Mediation {
    X ~ Bernoulli(0.5)
    M ~ Bernoulli(0.2 + 0.5 * X)
    Y ~ Bernoulli(0.1 + 0.3 * X + 0.4 * M)
}
"""
ROWS = "id,code,note,flag,X,Y\n1,007,NA,TRUE,1,1\n2,010,,FALSE,0,1\n3,123,n/a,TRUE,1,0\n4,0x1,null,no,0,0\n5,1e3,None,yes,1,1\n"
QUERY = "pn = P(Y[X = 0] = 0 | X, Y)"


def _stand_in(seen: list):
    """A Ray route that scores here, recording the chunks it is given."""
    def score_on_ray(model, specs, chunks, options, summary, origin):
        here = replace(options, scale=replace(options.scale, ray_address=None))
        for frame, first_row in chunks:
            seen.append((frame.copy(), first_row, origin))
            yield score_frame(model, specs, frame, here, origin, first_row, summary)
    return score_on_ray


def test_the_ray_route_scores_the_chunks_the_local_route_reads(tmp_path, monkeypatch):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS)
    model = cp.loads(MEDIATION)
    local = tmp_path / "local.csv"
    model.score(str(rows), QUERY, output=str(local), chunk_size=2)
    seen: list = []
    monkeypatch.setattr(score, "score_on_ray", _stand_in(seen))
    spread = tmp_path / "spread.csv"
    model.score(str(rows), QUERY, output=str(spread), chunk_size=2, ray_address="local")
    assert [(first_row, origin) for _, first_row, origin in seen] == [(1, "rows.csv"), (3, "rows.csv"),
                                                                     (5, "rows.csv")]
    read = pd.concat([frame for frame, _, _ in seen])
    assert read["code"].tolist() == ["007", "010", "123", "0x1", "1e3"]  # text as written, not 7, 10, 123
    assert read["note"].tolist() == ["NA", "", "n/a", "null", "None"]  # not missing values
    assert read["flag"].tolist() == ["TRUE", "FALSE", "TRUE", "no", "yes"]  # not booleans
    assert spread.read_text() == local.read_text()
    assert spread.read_text().splitlines()[1].startswith("1,007,NA,TRUE,")


def test_file_chunks_number_rows_across_chunks_and_infer_types_for_parquet_outputs(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS)
    model = cp.loads(MEDIATION)
    text = list(score.file_chunks(model.ir, rows, 2, text=True))
    assert [first_row for _, first_row in text] == [1, 3, 5]
    assert text[0][0]["code"].tolist() == ["007", "010"]
    typed = list(score.file_chunks(model.ir, rows, 3, text=False))  # a Parquet output stores inferred types
    assert [first_row for _, first_row in typed] == [1, 4]
    assert typed[0][0]["note"].isna().all()


def test_a_data_frame_is_cut_into_numbered_slices(tmp_path, monkeypatch):
    frame = pd.DataFrame({"X": [1, 0, 1, 0, 1], "Y": [1, 1, 0, 0, 1]})
    assert [(len(chunk), first) for chunk, first in score.frame_chunks(frame, 2)] == [(2, 1), (2, 3), (1, 5)]
    assert [(len(chunk), first) for chunk, first in score.frame_chunks(frame.iloc[:0], 2)] == [(0, 1)]
    seen: list = []
    monkeypatch.setattr(score, "score_on_ray", _stand_in(seen))
    model = cp.loads(MEDIATION)
    spread = model.score(frame, QUERY, chunk_size=2, ray_address="local")
    pd.testing.assert_frame_equal(spread, model.score(frame, QUERY, chunk_size=2))
    assert [(first_row, origin) for _, first_row, origin in seen] == [(1, "<DataFrame>"), (3, "<DataFrame>"),
                                                                     (5, "<DataFrame>")]
