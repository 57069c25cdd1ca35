"""``newsclean clean``: a run that writes nothing fails, plain text is not taken for JSONL, and
``--format text`` cleans one plain-text article."""

from __future__ import annotations

import io
import json
import sys

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


# --------------------------------------------------------------------------------------------
# Plain text where JSON lines are expected


def run_stdin(argv: list[str], data: bytes, monkeypatch) -> tuple[int, bytes]:
    """``newsclean clean ARGV`` in this process with ``data`` on stdin; (exit code, stdout)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    stdout = io.TextIOWrapper(io.BytesIO())
    monkeypatch.setattr(sys, "stdout", stdout)
    code = run(argv)
    return code, stdout.buffer.getvalue()


ARTICLE = (
    "Council approves the new footbridge\r\n"
    "\r\n"
    "The council voted 7-2 on Tuesday to build a footbridge across the river.  \r\n"
    "Sign up for our morning newsletter and get the day's top stories in your inbox.\r\n"
    "Residents of Südstadt said the crossing would save them a twenty-minute drive.\r\n"
    "Share this article\r\n"
)


def test_plain_text_on_stdin_fails_fast_suggesting_format_text(tiny_model_dir, monkeypatch, capsys):
    argv = ["-", "--model", str(tiny_model_dir), "-q"]
    code, out = run_stdin(argv, ARTICLE.encode(), monkeypatch)
    err = capsys.readouterr().err
    assert code == 1
    assert out == b""
    assert "stdin: line 1 is not JSON" in err and "use --format text" in err
    assert "rejected 0" in err  # not one reject per line


def test_a_jsonl_file_of_plain_text_fails_its_shard_only(tmp_path, tiny_model_dir):
    text = tmp_path / "in" / "a.jsonl"
    text.parent.mkdir()
    text.write_text(ARTICLE)
    write_jsonl(tmp_path / "in" / "b.jsonl", good_records(2))
    out = tmp_path / "out"
    assert run([str(text.parent), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 1
    stats = json.loads((out / "stats.json").read_text())
    (failed,) = stats["shards_failed"]
    assert failed["shard"] == 0 and "looks like plain text" in failed["error"]
    assert stats["written"] == 2 and stats["rejected"] == 0


def test_a_dump_whose_first_line_is_a_truncated_record_is_cleaned(tmp_path, tiny_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text('\n  {"id": "cut", "text": "A sto\n' + json.dumps(good_records(1)[0]) + "\n")
    out = tmp_path / "out"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    (reject,) = read_lines(out / "rejects.jsonl")
    assert (reject["line"], reject["reason"]) == (2, "malformed_json")
    assert len(read_lines(out / "part-00000.jsonl")) == 1
