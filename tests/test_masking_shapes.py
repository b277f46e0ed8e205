"""The shapes personal data arrives in, as families: each must be masked, and ordinary text must not be.

The shapes come from the hostile-input probe (P1, P4, P5, P6, C4); each family holds more than
the listed string, so that a fix for the string alone fails here.
"""

import re

import pytest

from onodig.privacy import mask_text

ANY_DIGIT = re.compile(r"\d")


@pytest.mark.parametrize(
    "pnr",
    [
        "ref-850312-1234",
        "850312-1234-A",
        "pnr-19850312-1234-x",
        "850312\u22121234",  # minus sign
        "850312\u20111234",  # non-breaking hyphen
        "850312\u20141234",  # em dash
        "850312\u20101234",  # hyphen
        "850312\ufe631234",  # small hyphen-minus
        "850312\uff0d1234",  # fullwidth hyphen-minus
        "850312.1234",
        "850312/1234",
        "850312_1234",
        "19850312.1234",
        "19850312_1234",
        "850312 \u2212 1234",
        "850312\u20091234",  # thin space
        "8503\u200b12-1234",  # zero-width space inside
        "\ufeff850312-1234",  # a BOM glued before
        "850372-1234",  # samordningsnummer
        "１９８５０３１２－１２３４",  # fullwidth digits and dash
    ],
)
def test_personnummer_shapes_with_glued_or_unusual_separators_are_masked(pnr):
    masked = mask_text(f"Gäller {pnr} tack")
    assert "[PNR]" in masked
    assert ANY_DIGIT.search(masked) is None, masked


@pytest.mark.parametrize(
    "phone",
    [
        "mobil070-1110109",
        "tel070 111 01 09",
        "070.111.01.10",
        "070/111 01 11",
        "070/1110111",
        "46701110112",
        "46 70 111 01 12",
        "46-70-111 01 12",
        "+46 (0)70-111 01 10",
        "+46.70.111.01.10",
        "(070) 111 01 10",
        "0046-70-1110110",
        "08/716 12 34",
        "08.716.12.34",
    ],
)
def test_phone_shapes_with_glued_words_dots_slashes_or_a_bare_country_code_are_masked(phone):
    masked = mask_text(f"Ring {phone} efter lunch")
    assert "[TELEFON]" in masked or "[PNR]" in masked
    assert ANY_DIGIT.search(masked) is None, masked


@pytest.mark.parametrize(
    "email",
    [
        "x [at] example [dot] se",
        "x (at) example (punkt) se",
        "anna.svensson [at] example [punkt] se",
        "x at example punkt se",
        "x at example dot com",
        "x @ example.se",
        "x@intranet",
        "anna.svensson@nacka-intranat",
        "x＠example.se",
        "x＠example．se",
        "anna{at}example.se",
    ],
)
def test_email_shapes_spelt_out_spaced_without_a_domain_or_fullwidth_are_masked(email):
    masked = mask_text(f"Skriv till {email} snarast")
    assert masked == "Skriv till [EPOST] snarast"


@pytest.mark.parametrize(
    "text, raw",
    [
        ("Jag pratade med Hjalmar Gullberg igår om bygglovet.", ["Hjalmar", "Gullberg"]),
        ("Kund Ingrid Vesterlund ringer om fakturan.", ["Ingrid", "Vesterlund"]),
        ("Handläggare Birger Sjöberg har ärendet.", ["Birger", "Sjöberg"]),
        ("Hej, jag heter Ulla Isaksson och undrar över min ansökan.", ["Ulla", "Isaksson"]),
        ("Mitt namn är Evert Taube och jag bor på Storgatan.", ["Evert", "Taube"]),
        ("Tack för hjälpen.\n\nMvh Selma Ottilia Lagerlöf", ["Selma", "Ottilia", "Lagerlöf"]),
        ("Please call me.\n\nThanks,\nJohn Bauer", ["John", "Bauer"]),
        ("See attached.\n\nCheers, Dan Andersson", ["Dan", "Andersson"]),
        ("Återkom gärna.\nMvh Harry Martinson 070-111 01 09", ["Harry", "Martinson", "111"]),
        ("Återkom gärna.\nMVH HARRY MARTINSON", ["HARRY", "MARTINSON"]),
        ("återkom gärna\nmvh harry martinson", ["harry", "martinson"]),
        ("Med vänlig hälsning\nVerner von Heidenstam", ["Verner", "Heidenstam"]),
        ("Handläggare von Heidenstam skulle ringa.", ["Heidenstam"]),
        ("Nybyggnad av enbostadshus. Kontrollansvarig blir Per Holm.", ["Per Holm"]),
        ("Kontrollansvarig är Xerxes Qvarnfelt.", ["Xerxes", "Qvarnfelt"]),
        ("Samtal med Anna-Karin Lindqvist-Berg om förskoleplats.", ["Anna-Karin", "Lindqvist"]),
        ("Gunnel Brännström ringde igen.", ["Gunnel", "Brännström"]),
        ("Min kontaktperson Kerstin har slutat.", ["Kerstin"]),
        ("Fru Svensson vill bli uppringd.", ["Svensson"]),
    ],
)
def test_names_in_running_text_after_cues_and_in_sign_offs_are_masked(text, raw):
    masked = mask_text(text)
    assert "[NAMN]" in masked
    for part in raw:
        assert part not in masked, masked


@pytest.mark.parametrize(
    "text",
    [
        "Ärende BYGG 2026-000123, faktura 7001234 på 1 234,50 kr, betald 2026-03-12 kl 08:30. Hej Nacka kommun",
        "Kund ringer ang. faktura för bygglov, 14 250 kr. Undrar vad den avser.",
        "Handläggare på Bygglov har inte svarat sedan i Maj.",
        "Kundcenter hänvisade till Förskola och Bygg och miljö.",
        "Ansökan om bygglov skickades i Juni, beslut kom på Måndag.",
        "Hej!\nUndrar hur det går med mitt bygglov i Saltsjöbaden.",
        "Öppet måndag–fredag 08.00-16.30, lunchstängt 12.00-13.00.",
        "Beslut den 05.03.2026 och 12/03/2026 enligt Plan- och bygglagen.",
        "Ärendet C0001234 och E0004567 gäller Attefall och Rivningslov.",
        "Jag bor i Nacka, Fisksätra, nära Orminge centrum och Sickla allé.",
        "Per månad blir det 1 200 kr. Max två veckor handläggningstid.",
        "Mvh Nacka kommun",
        "Vi ses at the office, looking at it.",
        "Har ni fått min ansökan? Svar inom 3 dagar, ref 2026/045.",
    ],
)
def test_ordinary_text_with_places_processes_dates_and_references_survives(text):
    assert mask_text(text) == text


# The strings the old e-mail pattern needed tens of seconds (or, at this size, hours) for. Only
# the results are asserted: benchmarks/masking.py measures the speed.
ADVERSARIAL = 200_000


def test_a_long_word_run_before_an_address_masks_the_address_and_keeps_the_run():
    run = "a" * ADVERSARIAL
    assert mask_text(run + " x@example.se") == run + " [EPOST]"
    assert mask_text(run + " och ett @ här") == run + " och ett @ här"


def test_a_long_word_run_glued_to_an_at_is_masked_as_an_address():
    masked = mask_text("b" + "a" * ADVERSARIAL + "@example.se slut")
    assert masked.endswith("[EPOST] slut") and "example" not in masked


def test_many_addresses_in_a_row_are_all_masked():
    masked = mask_text("a@" * (ADVERSARIAL // 2))
    assert "[EPOST]" in masked and re.search(r"\w@|@\w", masked) is None


def test_a_spelt_out_address_after_a_long_space_run_is_masked():
    assert mask_text(" " * ADVERSARIAL + "x at example punkt se") == " " * ADVERSARIAL + "[EPOST]"


def test_a_run_of_first_names_is_masked():
    masked = mask_text("Anna " * (ADVERSARIAL // 5))
    assert "Anna" not in masked and "[NAMN]" in masked


@pytest.mark.parametrize(
    "text",
    [
        "a." * (ADVERSARIAL // 2) + "@",  # an at with no domain after it
        "1" * ADVERSARIAL,  # digits with no boundary are no personnummer
        "12-" * (ADVERSARIAL // 3),
        "A" + "b" * ADVERSARIAL,
        "Bygglov " * (ADVERSARIAL // 8),
    ],
)
def test_adversarial_inputs_without_personal_data_come_back_unchanged(text):
    assert mask_text(text) == text
