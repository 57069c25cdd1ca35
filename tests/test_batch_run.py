"""``newsclean clean``: a run that writes nothing fails, plain text is not taken for JSONL, and
``--format text`` cleans one plain-text article."""

from __future__ import annotations

from newsclean.batch.run import nothing_written
from tests.test_batch import good_records, read_lines, run, write_jsonl

# --------------------------------------------------------------------------------------------
# A run that reads records and writes none of them


def test_a_run_that_writes_none_of_its_records_fails(tmp_path, tiny_model_dir, capsys):
    records = [{"id": "a", "body": "x"}, {"id": "b", "text": 7}, {"id": "c", "text": None}]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    code = run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"])
    assert code == 1
    err = capsys.readouterr().err
    assert (
        "newsclean clean: error: none of the 3 records read was written: all rejected "
        "(missing_text 2, text_not_string 1)"
    ) in err
    assert [r["id"] for r in read_lines(out / "rejects.jsonl")] == ["a", "b", "c"]


def test_nothing_written_names_the_three_most_frequent_reasons():
    stats = {
        "read": 10,
        "rejected_by_reason": {"too_long": 1, "missing_text": 4, "malformed_json": 4, "x": 1},
    }
    assert nothing_written(stats).endswith(
        "all rejected (malformed_json 4, missing_text 4, too_long 1, 1 more reasons)"
    )


def test_one_record_written_is_enough_to_succeed(tmp_path, tiny_model_dir):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "bad"}, *good_records(1)])
    assert run([str(src), "-o", str(tmp_path / "out"), "--model", str(tiny_model_dir), "-q"]) == 0


def test_an_empty_input_is_not_a_failure(tmp_path, tiny_model_dir):
    src = tmp_path / "empty.jsonl"
    src.write_bytes(b"")
    assert run([str(src), "-o", str(tmp_path / "out"), "--model", str(tiny_model_dir), "-q"]) == 0
