"""`python -m pipeline quotes` and `evaluate-quotes` as people run them."""

import json

from click.testing import CliRunner

from pipeline.__main__ import cli

TEXT = ('"We have got a contribution to make to the joint efforts," Russian Foreign Minister Sergei Lavrov '
        "said in Paris.\r\n\r\n“We targeted ISIS,” he confirmed.")


def rows(output):
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_quotes_reads_stdin_and_offsets_index_the_input_as_given():
    result = CliRunner().invoke(cli, ["quotes", "-"], input=TEXT.encode("utf-8"))
    assert result.exit_code == 0, result.output
    first, second = rows(result.output)
    assert set(first) == {"text", "start", "end", "speaker", "speaker_mention", "speaker_start", "speaker_end",
                          "cue", "kind"}
    for row in (first, second):
        assert TEXT[row["start"]:row["end"]] == row["text"]
        assert TEXT[row["speaker_start"]:row["speaker_end"]] == row["speaker_mention"]
    assert (first["speaker"], first["cue"], first["kind"]) == ("Sergei Lavrov", "say", "direct")
    assert (second["text"], second["speaker"], second["speaker_mention"]) == ("We targeted ISIS", "Sergei Lavrov", "he")


def test_quotes_reads_a_file(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8", newline="")
    result = CliRunner().invoke(cli, ["quotes", str(path)])
    assert result.exit_code == 0 and len(rows(result.output)) == 2


def test_quotes_refuses_input_that_is_not_utf8():
    result = CliRunner().invoke(cli, ["quotes", "-"], input=b"\xff\xfe\x00said")
    assert result.exit_code != 0 and "not UTF-8" in result.output


def test_evaluate_quotes_prints_both_systems_side_by_side():
    result = CliRunner().invoke(cli, ["evaluate-quotes", "--seeds-only"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("project") for line in lines) and any(line.startswith("textacy") for line in lines)
    assert "precision" in result.output and "speaker acc" in result.output
