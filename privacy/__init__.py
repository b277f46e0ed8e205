"""Personal data handling: nothing leaves the landing folder without passing through here."""

from privacy.masking import mask_text, mask_texts
from privacy.pseudonym import Pseudonymiser

__all__ = ["Pseudonymiser", "mask_text", "mask_texts"]
