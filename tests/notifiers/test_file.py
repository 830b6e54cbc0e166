from __future__ import annotations

import email
import email.policy
import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifiers.channels.base import DeliveryError
from notifiers.channels.file import FileChannel
from notifiers.message import Message
from notifiers.mime import build_email

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MESSAGE = Message(
    dedupe_key="notice:42:recipient:7:file",
    kind="wrap_up",
    recipient_name="Jürgen Groß",
    recipient_address="juergen.gross@example.de",
    subject="Monatsabschluss geschafft",
    text="Hallo Jürgen,\n\nder Monatsabschluss ist durch. Danke für Ihre Geduld!\n\nGrüße\nDana",
    written_at=NOW,
    html="<p>Der Monatsabschluss ist durch.</p><p>Grüße<br>Dana</p>",
    sender_name="Dana Weber (IT)",
    reply_to="it-support@example.de",
)


async def test_writes_one_parseable_eml_named_after_the_dedupe_key(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox" / "mail"  # created on the first send
    await FileChannel(outbox, sender="closewatch@example.de").send(MESSAGE)

    digest = hashlib.sha256(MESSAGE.dedupe_key.encode()).hexdigest()[:32]
    [path] = outbox.iterdir()
    assert path.name == f"{digest}.eml"
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "Jürgen Groß <juergen.gross@example.de>"
    assert mail["From"] == '"Dana Weber (IT) via closewatch" <closewatch@example.de>'
    assert mail["Subject"] == "Monatsabschluss geschafft"
    text, html = mail.iter_parts()
    assert "Danke für Ihre Geduld!" in text.get_content()
    assert "<p>Grüße<br>Dana</p>" in html.get_content()


async def test_sending_twice_leaves_one_file(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path)
    await channel.send(MESSAGE)
    await channel.send(replace(MESSAGE, subject="Monatsabschluss geschafft (erneut)"))

    [path] = tmp_path.iterdir()  # no leftover temporary files either
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == "Monatsabschluss geschafft (erneut)"


async def test_one_file_per_dedupe_key(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path)
    for n in range(3):
        await channel.send(replace(MESSAGE, dedupe_key=f"notice:{n}"))

    assert len(list(tmp_path.glob("*.eml"))) == 3
    assert len(list(tmp_path.iterdir())) == 3


async def test_message_id_matches_the_email_channel(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path, sender="closewatch@example.de")
    await channel.send(MESSAGE)

    mail = email.message_from_bytes(channel.path_for(MESSAGE).read_bytes())
    assert mail["Message-ID"] == build_email(MESSAGE, sender="closewatch@example.de")["Message-ID"]


async def test_unwritable_directory_is_a_temporary_error(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "outbox"
    not_a_directory.write_text("a file where the directory should be")

    with pytest.raises(DeliveryError) as caught:
        await FileChannel(not_a_directory).send(MESSAGE)

    assert not caught.value.permanent
