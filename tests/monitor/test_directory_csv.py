"""Members from directory exports as Outlook, Entra ID and Google Workspace write them."""

from __future__ import annotations

import pytest

from monitor.directory_csv import DirectoryError, Person, read_directory

OUTLOOK = (
    "\ufeffFirst Name,Middle Name,Last Name,Title,E-mail Address,E-mail Display Name\n"
    "Anna,,Schmidt,,anna.schmidt@example.com,Anna Schmidt (anna.schmidt@example.com)\n"
    "Ben,,Braun,,ben.braun@example.com,\n"
)
ENTRA = "id;displayName;userPrincipalName;mail\n1;Cem Yilmaz;cem@corp.example;cem.yilmaz@example.com\n2;Room 4.01;room401@corp.example;\n"
GOOGLE = "First Name [Required]\tLast Name [Required]\tEmail Address [Required]\nDana\tWeber\tdana@example.com\n\n"


def test_outlook_contacts_join_first_and_last_name() -> None:
    assert read_directory(OUTLOOK) == [Person("Anna Schmidt", "anna.schmidt@example.com", 2),
                                       Person("Ben Braun", "ben.braun@example.com", 3)]  # fmt: skip


def test_entra_users_prefer_mail_and_fall_back_to_nothing_missing() -> None:
    # A room without mail is still a row with a name: refused, naming its line.
    with pytest.raises(DirectoryError, match=r"^line 3: 'Room 4.01' has no address$"):
        read_directory(ENTRA)
    assert read_directory(ENTRA.splitlines()[0] + "\n" + ENTRA.splitlines()[1]) == [
        Person("Cem Yilmaz", "cem.yilmaz@example.com", 2)
    ]


def test_google_workspace_tabs_and_bracketed_headers() -> None:
    assert read_directory(GOOGLE) == [Person("Dana Weber", "dana@example.com", 2)]


def test_a_file_without_name_or_address_columns_says_which_it_needs() -> None:
    with pytest.raises(DirectoryError, match="line 1: the first line must name a name column"):
        read_directory("Department,Phone\nFinance,123\n")
    with pytest.raises(DirectoryError, match="the file is empty"):
        read_directory("")
