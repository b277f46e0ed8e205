"""Personal data handling: nothing leaves the landing folder without passing through here."""

from onodig.privacy.masking import mask_text, mask_texts
from onodig.privacy.pseudonym import Pseudonymiser

__all__ = ["Pseudonymiser", "mask_text", "mask_texts"]
