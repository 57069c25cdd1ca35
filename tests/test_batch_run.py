"""``newsclean clean``: a run that writes nothing fails, plain text is not taken for JSONL, and
``--format text`` cleans one plain-text article."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from newsclean import clean
from newsclean.batch.run import nothing_written
from tests.test_batch import good_records, parse_clean, read_lines, run, write_jsonl

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
    assert [r["id"] for r in read_lines(out / ".newsclean" / "rejects.jsonl")] == ["a", "b", "c"]


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
    stats = json.loads((out / ".newsclean" / "stats.json").read_text())
    (failed,) = stats["shards_failed"]
    assert failed["shard"] == 0 and "looks like plain text" in failed["error"]
    assert stats["written"] == 2 and stats["rejected"] == 0


def test_a_dump_whose_first_line_is_a_truncated_record_is_cleaned(tmp_path, tiny_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text('\n  {"id": "cut", "text": "A sto\n' + json.dumps(good_records(1)[0]) + "\n")
    out = tmp_path / "out"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    (reject,) = read_lines(out / ".newsclean" / "rejects.jsonl")
    assert (reject["line"], reject["reason"]) == (2, "malformed_json")
    assert len(read_lines(out / "part-00000.jsonl")) == 1


# --------------------------------------------------------------------------------------------
# --format text: one plain-text article in, its cleaned text out


def test_format_text_writes_the_cleaned_article_to_a_file(tmp_path, graded_model_dir):
    src = tmp_path / "article.txt"
    src.write_bytes(ARTICLE.encode())
    out = tmp_path / "article.clean.txt"
    argv = [str(src), "--format", "text", "-o", str(out), "--model", str(graded_model_dir)]
    assert run(argv) == 0
    cleaned = out.read_bytes()
    assert cleaned.decode() == clean(ARTICLE, model=str(graded_model_dir))
    assert b"Sign up" not in cleaned  # something was removed ...
    kept = cleaned.split(b"\n")
    assert len(kept) > 2
    # ... and what is kept is the input's lines, byte for byte ("\r" included), in order
    lines = iter(ARTICLE.encode().split(b"\n"))
    assert all(any(line == k for line in lines) for k in kept)
    assert not list(tmp_path.glob(".*tmp*"))


def test_format_text_reads_stdin_and_writes_stdout(graded_model_dir, monkeypatch, capsys):
    argv = ["-", "--format", "text", "-o", "-", "--model", str(graded_model_dir)]
    code, out = run_stdin(argv, b"\xef\xbb\xbf" + ARTICLE.encode(), monkeypatch)
    assert code == 0
    assert out == clean(ARTICLE, model=str(graded_model_dir)).encode()  # the mark is dropped
    assert "newsclean clean: removed: 3 of 5 paragraphs" in capsys.readouterr().err


@pytest.mark.parametrize(
    "data, message",
    [
        (
            b"\xef\xbb\xbfA story.\n\xff\xfe broken\n",
            "is not UTF-8 text (invalid start byte at byte 12)",
        ),
        (b"x" * 101, "has 101 characters, more than --max-chars 100"),
    ],
    ids=["undecodable", "too-long"],
)
def test_format_text_refuses_a_bad_article_and_keeps_the_old_output(
    tmp_path, tiny_model_dir, capsys, data, message
):
    src = tmp_path / "article.txt"
    src.write_bytes(data)
    out = tmp_path / "out.txt"
    out.write_bytes(b"previous")
    argv = [str(src), "--format", "text", "-o", str(out), "--overwrite", "--max-chars", "100"]
    assert run([*argv, "--model", str(tiny_model_dir)]) == 1
    assert message + "; nothing was written" in capsys.readouterr().err
    assert out.read_bytes() == b"previous"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--annotate"], "--annotate needs records"),
        (["--rejects", "r.jsonl", "--jobs", "2"], "--rejects, --jobs: not with --format text"),
        (["--engine", "dask"], "--engine dask: not with --format text"),
        (["--output-field", "clean"], "--output-field: not with --format text"),
        (["-o", "d/"], "writes one file, not a directory"),
        (["-o", "existing.txt"], "existing.txt exists: pass --overwrite"),
        (["-o", "article.txt", "--overwrite"], "is also the input"),
    ],
)
def test_format_text_usage_errors(tmp_path, tiny_model_dir, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    Path("article.txt").write_text(ARTICLE)
    Path("existing.txt").write_text("")
    with pytest.raises(SystemExit) as exc:
        parse_clean(["article.txt", "--format", "text", "--model", str(tiny_model_dir), *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_format_text_needs_one_file(tmp_path, tiny_model_dir, capsys):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    for inputs, why in (
        ([tmp_path], "is a directory"),
        ([tmp_path / "nope.txt"], "no such file"),
        ([article, article], "cleans one article: give one file or '-', not 2"),
    ):
        with pytest.raises(SystemExit):
            parse_clean([*map(str, inputs), "--format", "text", "--model", str(tiny_model_dir)])
        assert why in capsys.readouterr().err
