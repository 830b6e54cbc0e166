"""The tone linter: each rule, what it must flag and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifiers.linter import DEFAULT_JARGON, Finding, LintConfig, lint_message

SAMPLES = Path(__file__).parent / "lint_samples"
CLEAN_DE = (
    "Die Rechnungsstellung ist wieder erreichbar. Ihre Ansprechpartnerin: Dana Weber, 089 1234567."
)
CLEAN_EN = "The invoicing system works again. If anything still looks wrong, call Dana Weber on 089 1234567."


def rules(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(finding.rule, finding.line) for finding in findings]


# -- jargon ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("The SLA for invoicing is four hours.", "SLA"),
        ("An RFC has been raised.", "RFC"),
        ("A Kernel update is running.", "Kernel"),
        ("We see high latency.", "latency"),
        ("There was a deadlock in the database.", "deadlock"),
        ("A DNS entry was wrong.", "DNS"),
        ("The TLS certificate expired.", "TLS"),
        ("The SSL certificate expired.", "SSL"),
        ("A transport failed overnight.", "transport"),
        ("The Basis team is on it.", "Basis"),
        ("Requests end in a Timeout.", "Timeout"),
        ("Requests end in timeouts.", "timeouts"),
        ("We have a stack trace.", "stack trace"),
        ("We are looking for the root\ncause.", "root cause"),
        ("This is a P1 incident.", "P1"),
        ("Raised to P2.", "P2"),
        ("The portal answers HTTP 500.", "HTTP 500"),
        ("The portal answers HTTP 404.", "HTTP 404"),
        ("The portal answers http 503 at times.", "http 503"),
        ("You may see a 500 error.", "500 error"),
        ("You may see Error 503.", "Error 503"),
        ("Es erscheint Fehler 502.", "Fehler 502"),
        ("See INC0012345 for details.", "INC0012345"),
        ("Change CHG1234567 is planned.", "CHG1234567"),
        ("Tracked as OPS-1234.", "OPS-1234"),
        ("Tracked as JIRA-123.", "JIRA-123"),
    ],
)
def test_jargon_is_flagged_with_the_word_and_a_plain_hint(text: str, word: str) -> None:
    (finding,) = lint_message(None, text)

    assert finding.rule == "jargon"
    assert f'"{word}"' in finding.message
    assert "say what it means for the reader's work" in finding.message
    assert finding.line == 1


@pytest.mark.parametrize(
    "text",
    [
        CLEAN_EN,
        CLEAN_DE,
        "We check the system on a daily basis.",  # "Basis" is matched exactly
        "Please slacken your pace; the slab is fine.",  # SLA only as a whole word
        "Die Basisdaten sind korrekt.",  # whole words only
        "The transportation department is not affected.",
        "The ssl team (lower case) is not an acronym: dns, rfc.",  # acronyms match exactly
        "Call 089 1234567 or 0171 5000 500.",
        "We expect 500 invoices today and 404 credit notes.",
        "Details: https://jira.example.com/browse/OPS-1234 and it-help@example.com.",
    ],
)
def test_plain_text_has_no_jargon(text: str) -> None:
    assert lint_message(None, text) == []


def test_every_occurrence_of_jargon_is_reported_on_its_line() -> None:
    body = "Hello,\nthe SLA is at risk.\n\nThe SLA and the DNS, again.\n"

    found = lint_message(None, body)

    assert [(f.line, f.message.split('"')[1]) for f in found] == [
        (2, "SLA"), (4, "SLA"), (4, "DNS"),
    ]  # fmt: skip
    assert found[1].excerpt == "The SLA and the DNS, again."


def test_overlapping_jargon_patterns_are_reported_once() -> None:
    (finding,) = lint_message(None, "The portal shows HTTP 500 errors.")
    assert '"HTTP 500"' in finding.message


def test_jargon_list_replaces_the_default() -> None:
    config = LintConfig(jargon=("Fiori", "re:ZFI_\\w+"))

    found = lint_message(None, "The Fiori app and ZFI_POST fail; the SLA holds.", config=config)

    assert [f.message.split('"')[1] for f in found] == ["Fiori", "ZFI_POST"]


def test_jargon_list_can_be_extended() -> None:
    config = LintConfig(jargon=(*DEFAULT_JARGON, "IDoc"))

    found = lint_message(None, "IDocs pile up and the SLA is at risk.", config=config)

    assert [f.message.split('"')[1] for f in found] == ["IDocs", "SLA"]


def test_a_bad_regular_expression_in_the_jargon_list_is_refused() -> None:
    with pytest.raises(ValueError, match="jargon entry 're:\\(unclosed'"):
        LintConfig(jargon=("re:(unclosed",))


# -- apology -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We apologize for any inconvenience.",
        "We apologise for any inconvenience this may cause.",
        "We sincerely apologize for the inconvenience caused.",
        "Apologies for the inconvenience caused.",
        "Our apologies for any inconvenience.",
        "Sorry for any inconvenience.",
        "We are very sorry for the inconvenience.",
        "We regret any inconvenience.",
        "We apologize for any disruption.",
        "Thank you for your understanding.",
        "Entschuldigen Sie die Unannehmlichkeiten.",
        "Bitte entschuldigen Sie etwaige Unannehmlichkeiten.",
        "Wir bedauern die entstandenen Unannehmlichkeiten.",
        "Wir bitten, die Unannehmlichkeiten zu entschuldigen.",
        "Wir bitten um Verständnis.",
        "Wir bitten um Ihr Verständnis.",
        "Vielen Dank für Ihr Verständnis.",
    ],
)
def test_boilerplate_apologies_are_flagged(text: str) -> None:
    (finding,) = lint_message(None, f"Hello,\n{text}\n")

    assert (finding.rule, finding.line) == ("apology", 2)
    assert "acknowledge the concrete effect" in finding.message


def test_an_apology_across_a_line_break_is_flagged_on_its_first_line() -> None:
    found = lint_message(None, "Invoicing is down.\nWe apologize for any\ninconvenience caused.\n")
    assert rules(found) == [("apology", 2)]


@pytest.mark.parametrize(
    "text",
    [
        "Sorry: you could not post invoices this morning. That is fixed now.",
        "We know the outage cost you the morning's postings.",
        "Es tut uns leid, dass Sie heute Vormittag keine Rechnungen buchen konnten.",
        "Wir haben Verständnis dafür, dass das ärgerlich ist.",
    ],
)
def test_a_concrete_acknowledgement_is_no_boilerplate(text: str) -> None:
    assert lint_message(None, text) == []


# -- Jinja2 templates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "{# We apologize for any inconvenience: never say this. #}\nHi {{ contact.name }}",
        "{% if sla_breached %}Invoicing is late.{% endif %}\n{{ contact.name }}",
        "{{ ticket.INC0012345 }} {{ system.dns_name }}\n{{ contact.name }}",
        "{% set note = 'root cause' %}\n{{ contact.name }}",
        "{{ contact.name }} {#\nmulti-line comment about the kernel\nand latency\n#}",
    ],
)
def test_jinja_tags_never_trigger_jargon_or_apology(body: str) -> None:
    assert lint_message(None, body) == []


def test_jargon_in_template_text_is_found_on_the_right_line() -> None:
    body = (
        "{# header\ncomment #}\nHello {{ name }},\nthe SLA {{ x }} is at risk.\n{{ contact.name }}"
    )
    assert rules(lint_message(None, body)) == [("jargon", 4)]


# -- contact -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "contact_name", "expected"),
    [
        (CLEAN_DE, "Dana Weber", []),
        ("Invoicing works again.\nDana  Weber, IT", "Dana Weber", []),  # spacing does not matter
        ("Invoicing works again.\nYour IT team\n", "Dana Weber", [("contact", 2)]),
        ("Invoicing works again.\nYour IT team", None, [("contact", 2)]),  # a team, no person
        ("{{ system.plain_name }} works again.\n{{ contact.name }}", None, []),
        ("{{ system.plain_name }} works again.\n{{ contact['name'] }}", None, []),
        ("{{ system.plain_name }} works again.\nYour IT team", None, [("contact", 2)]),
        ("{{ system.plain_name }} works again.\n{{ contact.phone }}\n", None, [("contact", 2)]),
    ],
)
def test_a_notice_names_its_contact(
    body: str, contact_name: str | None, expected: list[tuple[str, int]]
) -> None:
    assert rules(lint_message(None, body, contact_name=contact_name)) == expected


@pytest.mark.parametrize(
    "signoff",
    ["Regards, IT", "Your IT team", "Ihr IT-Team", "IT Support", "Best regards,\nThe IT team",
     "Viele Grüße\nIhr IT-Team", "Thanks!\nService Desk", "Mit freundlichen Grüßen,\nEDV-Abteilung"],
)  # fmt: skip
def test_a_finished_message_signed_by_a_team_alone_is_flagged(signoff: str) -> None:
    body = f"Invoicing works again. Please check the invoices you saved today.\n\n{signoff}\n"
    line = body.split("\n").index(signoff.split("\n")[-1]) + 1  # the team's line

    found = lint_message("Invoicing works again", body)

    assert rules(found) == [("contact", line)]
    assert "signed by a team, not a person" in found[0].message


@pytest.mark.parametrize(
    "signoff",
    ["Regards,\nDana Weber\nIT Support", "Dana Weber, IT", "Viele Grüße\nDana Weber, Ihr IT-Team",
     "Dana Weber, IT\ndana@example.com\n\nNo longer want these notices? https://x.example/u/1"],
)  # fmt: skip
def test_a_sign_off_that_names_a_person_passes(signoff: str) -> None:
    body = f"Invoicing works again.\n\n{signoff}\n"
    assert rules(lint_message("Invoicing works again", body)) == []


# -- next update -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("incident", "Invoicing is down. We'll write again by 14:30.", []),
        ("incident", "Invoicing is down. Next update at 2:30 pm.", []),
        ("update", "Still down. Next update at 3pm.", []),
        ("update", "Die Rechnungsstellung ist gestört. Wir melden uns bis 14 Uhr.", []),
        ("update", "Noch gestört. Nächste Meldung um 14.30 Uhr.", []),
        ("incident", "{{ system.plain_name }} is down.\nNext update: {{ next_update | time }}", []),
        ("incident", "Invoicing is down.\nWe're on it.", [("next-update", 1)]),
        ("incident", "Invoicing has been down since 9:00.", [("next-update", 1)]),
        ("update", "Die Rechnungsstellung ist seit 9:15 gestört.", [("next-update", 1)]),
        ("resolved", "Invoicing works again.", []),
        ("heads_up", "Month-end closing starts on Thursday.", []),
        (None, "Invoicing is down.", []),
    ],
)
def test_incident_notices_promise_a_time(
    kind: str | None, body: str, expected: list[tuple[str, int]]
) -> None:
    found = [f for f in lint_message(None, body, kind=kind) if f.rule != "contact"]
    assert rules(found) == expected


def test_a_template_without_next_update_is_told_about_the_variable() -> None:
    (finding,) = lint_message(
        None, "{{ system.plain_name }} is down.\n{{ contact.name }}", kind="incident"
    )
    assert "{{ next_update | time }}" in finding.message


# -- subject -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Invoicing is down: we'll write again by 14:30", []),
        ("x" * 78, []),
        ("x" * 79, [("subject-length", 0)]),
        ("{{ system.plain_name }} is down: next update by {{ next_update | time }}", []),
        ("{{ a }}" * 6 + "x" * 7, [("subject-length", 0)]),  # 6 x 12 + 7 = 79
        ("{% if x %}{{ a }}{% endif %}" + "x" * 66, []),  # statements count as nothing
        ("Invoicing: HTTP 500", [("jargon", 0)]),
    ],
)
def test_subject_rules(subject: str, expected: list[tuple[str, int]]) -> None:
    assert rules(lint_message(subject, "")) == expected


def test_subject_length_of_a_template_says_how_it_was_measured() -> None:
    (finding,) = lint_message("{{ a }}" * 6 + "x" * 7, "")
    assert finding.message == (
        "subject is 79 characters, over 78: a phone cuts it off"
        " (each {{ ... }} counted as 12 characters)"
    )
    assert finding.excerpt == "{{ a }}" * 6 + "x" * 7


# -- length ------------------------------------------------------------------------------------


def test_more_lines_than_one_screen_is_flagged_at_the_first_line_too_many() -> None:
    body = "\n\n".join(f"Line {n}." for n in range(1, 27))  # 26 lines of text

    (finding,) = lint_message(None, body)

    assert (finding.rule, finding.line) == ("length", 51)
    assert finding.message.startswith("body has 26 lines of text, more than 25")


def test_more_characters_than_one_screen_is_flagged() -> None:
    body = "\n".join(["x" * 100] * 13)  # 1300 characters on 13 lines

    (finding,) = lint_message(None, body)

    assert (finding.rule, finding.line) == ("length", 13)
    assert "1300 characters" in finding.message


def test_limits_are_configurable() -> None:
    config = LintConfig(max_body_lines=2, max_body_chars=10_000, max_subject=10)
    found = lint_message("Short enough?", "a\nb\nc", config=config)
    assert rules(found) == [("subject-length", 0), ("length", 3)]


def test_a_template_tag_alone_on_a_line_is_not_a_line_of_text() -> None:
    body = "\n".join(["{% if x %}", "{{ contact.name }}", "{% endif %}"] * 20)  # 20 lines of text
    assert lint_message(None, body, config=LintConfig(max_body_lines=20)) == []
    assert rules(lint_message(None, body, config=LintConfig(max_body_lines=19))) == [("length", 59)]


# -- HTML --------------------------------------------------------------------------------------


def test_html_findings_keep_their_line_numbers_and_ignore_markup() -> None:
    body = (
        "<html>\n"
        '<head><style>\n.sla { color: red }\n/* latency */\n</style></head>\n'
        '<body class="kernel">\n'
        '<p>Invoicing is down after a failed <b>transport</b>.</p>\n'
        '<p><a href="https://jira.example.com/OPS-1">Details</a></p>\n'
        "</body></html>\n"
    )  # fmt: skip

    found = lint_message(None, body, html=True)

    assert rules(found) == [("jargon", 7)]
    assert '"transport"' in found[0].message


def test_html_entities_are_read_as_text() -> None:
    found = lint_message(None, "<p>Wir bitten um Verst&auml;ndnis.</p>", html=True)
    assert rules(found) == [("apology", 1)]


def test_html_length_counts_visible_text_only() -> None:
    style = "<style>\n" + "p { margin: 0 }\n" * 200 + "</style>\n"
    text = "".join(f"<p>\n  Line {n}.\n</p>\n   \n" for n in range(25))
    assert lint_message(None, style + text, html=True) == []
    assert rules(lint_message(None, style + text + "<p>One more.</p>", html=True)) == [
        ("length", 303)
    ]


# -- the sample templates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "html"),
    [
        ("notices/en/incident/body.txt", False),
        ("notices/en/incident/body.html", True),
        ("notices/de/heads_up/body.txt", False),
    ],
)
def test_good_sample_templates_are_clean(sample: str, html: bool) -> None:
    text = (SAMPLES / sample).read_text()
    assert lint_message(None, text, kind=sample.split("/")[2], html=html) == []


def test_the_bad_sample_has_every_finding_in_order() -> None:
    text = (SAMPLES / "bad/incident/body.txt").read_text()

    found = lint_message(None, text, kind="incident", contact_name="Dana Weber")

    assert rules(found) == [
        ("next-update", 1),
        ("jargon", 3), ("jargon", 3), ("jargon", 3),
        ("jargon", 4), ("jargon", 4),
        ("apology", 6),
        ("contact", 7),
    ]  # fmt: skip
