"""Personal data: masking in free text and keyed pseudonyms."""

import re

import pytest

from onodig.privacy import Pseudonymiser, mask_text
from onodig.privacy.pseudonym import MissingPseudonymKey

# Independent of the masking patterns on purpose: a scan for anything that still looks like data.
RAW_PNR = re.compile(r"(?<!\d)(19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
RAW_EMAIL = re.compile(r"\S+@\S+\.\w+")
RAW_PHONE = re.compile(r"(?<!\d)(\+46|0)\s?7\d[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")


@pytest.mark.parametrize(
    "pnr", ["19850312-1234", "850312-1234", "198503121234", "8503121234", "850312+1234", "850312-1235", "991399-0000"]
)
def test_anything_shaped_like_a_personnummer_is_masked(pnr):
    masked = mask_text(f"Mitt personnummer är {pnr}, tack.")
    assert masked == "Mitt personnummer är [PNR], tack."


@pytest.mark.parametrize("phone", ["070-123 45 67", "0701234567", "+46 70 123 45 67", "08-716 12 34", "0046701234567"])
def test_phone_numbers_are_masked(phone):
    masked = mask_text(f"Ring mig på {phone} efter lunch")
    # "0701234567" is also shaped like a personnummer (born 2007): either mask is right, raw is not
    assert masked in ("Ring mig på [TELEFON] efter lunch", "Ring mig på [PNR] efter lunch")
    assert RAW_PHONE.search(masked) is None


def test_emails_and_names_in_greetings_and_signatures_are_masked():
    text = "Hej Kalle!\nSkicka till anna.svensson@example.se\n\nMed vänlig hälsning\nAnna Svensson\n/Per"
    masked = mask_text(text)
    assert "anna.svensson" not in masked and "[EPOST]" in masked
    assert "Kalle" not in masked and "Anna Svensson" not in masked and "Per" not in masked
    assert masked.count("[NAMN]") == 3


def test_references_amounts_and_dates_survive_masking():
    text = "Ärende BYGG 2026-000123, faktura 7001234 på 1 234,50 kr, betald 2026-03-12 kl 08:30. Hej Nacka kommun"
    assert mask_text(text) == text


def test_pseudonyms_are_stable_across_personnummer_forms_and_keyed():
    one = Pseudonymiser("key-one")
    forms = ["19850312-1234", "198503121234", "850312-1234", "8503121234", " 850312-1234 "]
    assert len({one.pseudonym(f) for f in forms}) == 1
    assert one.pseudonym("850312-1234") != Pseudonymiser("key-two").pseudonym("850312-1234")
    assert one.pseudonym("850312-1234").startswith("c_") and "850312" not in one.pseudonym("850312-1234")
    assert one.pseudonym("") is None and one.pseudonym(None) is None


def test_no_key_no_pseudonyms():
    with pytest.raises(MissingPseudonymKey):
        Pseudonymiser("")
