"""``closewatch lint``, run as a user runs it: a real process, its output and exit status."""

from __future__ import annotations

import shutil
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

pytestmark = pytest.mark.wallclock  # each test runs the command line, on the real date

CLOSEWATCH = str(Path(sys.executable).parent / "closewatch")
SAMPLES = Path(__file__).resolve().parents[1] / "notifiers" / "lint_samples"


def lint(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLOSEWATCH, "lint", *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False, cwd=cwd,
    )  # fmt: skip


def test_findings_are_listed_one_per_line_with_exit_status_1(tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / "bad", tmp_path / "bad")

    result = lint("bad/incident/body.txt", "bad/long.subject.txt", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "bad/incident/body.txt:1: next-update: an incident notice must say when the next update"
        ' will come, e.g. "we\'ll write again by 14:30"',
        'bad/incident/body.txt:3: jargon: "deadlock" is jargon: say what it means for the reader\'s work',
        'bad/incident/body.txt:3: jargon: "HTTP 500" is jargon: say what it means for the reader\'s work',
        'bad/incident/body.txt:3: jargon: "INC0012345" is jargon: say what it means for the reader\'s work',
        'bad/incident/body.txt:4: jargon: "Basis" is jargon: say what it means for the reader\'s work',
        'bad/incident/body.txt:4: jargon: "root cause" is jargon: say what it means for the reader\'s work',
        'bad/incident/body.txt:6: apology: "apologize for any inconvenience caused" is a boilerplate'
        " apology: acknowledge the concrete effect on the reader's work instead",
        "bad/long.subject.txt: subject: subject-length: subject is 83 characters, over 78:"
        " a phone cuts it off",
    ]


def test_clean_files_say_clean_with_exit_status_0(tmp_path: Path) -> None:
    clean = tmp_path / "resolved.txt"
    clean.write_text(
        "Die Rechnungsstellung ist wieder erreichbar. Ihre Ansprechpartnerin: Dana Weber, 089 1234567.\n"
    )
    templates = SAMPLES / "notices"

    result = lint(
        clean,
        templates / "en/incident/subject.txt",
        templates / "en/incident/body.txt",
        templates / "en/incident/body.html",
        templates / "de/heads_up/body.txt",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{clean}: clean",
        f"{templates}/en/incident/subject.txt: clean",
        f"{templates}/en/incident/body.txt: clean",
        f"{templates}/en/incident/body.html: clean",
        f"{templates}/de/heads_up/body.txt: clean",
    ]


def test_the_kind_comes_from_the_path_or_the_option(tmp_path: Path) -> None:
    (tmp_path / "incident").mkdir()
    body = "Invoicing is down. Call Dana Weber on 089 1234567.\n"
    (tmp_path / "incident" / "body.txt").write_text(body)
    (tmp_path / "plain.txt").write_text(body)

    from_path = lint(tmp_path / "incident" / "body.txt")
    from_option = lint(tmp_path / "plain.txt", "--kind", "update")
    neither = lint(tmp_path / "plain.txt")

    assert from_path.returncode == from_option.returncode == 1
    assert ":1: next-update:" in from_path.stdout
    assert ":1: next-update:" in from_option.stdout
    assert neither.returncode == 0


def test_html_findings_carry_their_source_line() -> None:
    result = lint(SAMPLES / "bad/incident/body.html", "--kind", "resolved")

    assert result.returncode == 1
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in result.stdout.splitlines()] == [
        "4", "6",
    ]  # fmt: skip
    assert '"transport" is jargon' in result.stdout
    assert '"Wir bitten um Verständnis" is a boilerplate apology' in result.stdout


def _email(subject: str, text: str | None, html: str | None) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "IT <it@example.com>"
    message["To"] = "dana@example.com"
    if text is not None:
        message.set_content(text, charset="iso-8859-1")
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()


def test_a_rendered_email_is_linted_by_subject_and_text_part(tmp_path: Path) -> None:
    path = tmp_path / "incident.eml"
    text = "Die Rechnungsstellung ist gestört (HTTP 503).\nWir bitten um Verständnis.\n"
    path.write_bytes(_email("Rechnungsstellung gestört: " + "x" * 60, text, "<p>SLA</p>"))

    result = lint(path, "--contact", "Dana Weber")

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}: subject: subject-length: subject is 87 characters, over 78: a phone cuts it off",
        f"{path}:1: next-update: an incident notice must say when the next update will come,"
        ' e.g. "we\'ll write again by 14:30"',
        f'{path}:1: jargon: "HTTP 503" is jargon: say what it means for the reader\'s work',
        f'{path}:2: apology: "Wir bitten um Verständnis" is a boilerplate apology:'
        " acknowledge the concrete effect on the reader's work instead",
        f"{path}:2: contact: the notice does not name Dana Weber: sign it with the IT contact"
        " and a way to reach them",
    ]


def test_an_html_only_email_is_read_from_its_html_part(tmp_path: Path) -> None:
    path = tmp_path / "message.eml"
    html = (
        "<html><head><style>.kernel {}</style></head>\n<body><p>Root cause: DNS.</p></body></html>"
    )
    path.write_bytes(_email("Invoicing works again", None, html))

    result = lint(path)

    assert result.returncode == 1
    assert [line.split(": ", 2)[1] for line in result.stdout.splitlines()] == ["jargon", "jargon"]
    assert '"Root cause"' in result.stdout and '"DNS"' in result.stdout


def test_the_jargon_list_can_be_replaced_or_extended(tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("The Fiori launchpad and the SLA: see IDoc 4711.\n")
    words = tmp_path / "jargon.txt"
    words.write_text("# our own words\nFiori\n\nre:IDoc \\d+\n")

    replaced = lint(body, "--jargon", words)
    extended = lint(body, "--also", "Fiori", "--also", "launchpad")

    assert replaced.returncode == extended.returncode == 1
    assert [line.split('"')[1] for line in replaced.stdout.splitlines()] == ["Fiori", "IDoc 4711"]
    assert [line.split('"')[1] for line in extended.stdout.splitlines()] == [
        "Fiori", "launchpad", "SLA",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.txt", "missing.txt: no such file"),
        (lambda tmp: tmp, "is a directory, not a file"),
        (
            lambda tmp: _write(tmp / "latin1.txt", "Grüße".encode("latin-1")),
            "latin1.txt: not UTF-8 text",
        ),
    ],
    ids=["missing", "directory", "not-utf8"],
)
def test_an_unreadable_file_is_one_line_on_stderr_and_status_2(
    tmp_path: Path, make: object, message: str
) -> None:
    good = _write(tmp_path / "good.txt", b"Invoicing works again.\n")
    path = make(tmp_path)  # type: ignore[operator]

    result = lint(good, path)

    assert result.returncode == 2
    assert result.stdout == ""  # every file is read before any is linted
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr
    assert result.stderr.startswith("closewatch: error: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "outage"], "--kind: 'outage' is not one of heads_up"),
        (["--also", "re:(unclosed"], "--also: jargon entry 're:(unclosed'"),
    ],
)
def test_a_bad_option_is_one_line_on_stderr_and_status_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = lint(_write(tmp_path / "body.txt", b"Fine.\n"), *args)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
