"""Swedish text processing on spaCy: masking component, folding, stop words, lemmas."""

from onodig.classifiers.text import TextProcessor, make_nlp


def test_masking_component_merges_personal_data_into_one_token():
    nlp = make_nlp()
    doc = nlp("Mitt pnr är 19850312-1234, ring 070-123 45 67 eller mejla anna@example.se\nMvh Anna Svensson")
    masked = [t.norm_ for t in doc if t.norm_.startswith("[")]
    assert masked == ["[PNR]", "[TELEFON]", "[EPOST]", "[NAMN]"]
    assert not any("1234" in t.norm_ or "example" in t.norm_ for t in doc)


def test_bulk_path_gives_the_same_features_as_the_component():
    processor = TextProcessor()
    texts = [
        "Hej! Har ni fått min ansökan? Pnr 850312-1234.\n\nMed vänlig hälsning\nPer Olsson\n08-716 12 34",
        "kund ringer ang faktura 7001234 som är betald, fick påminnelse",
        "already masked: [PNR] and [EPOST]",
        "",
    ]
    assert processor.transform(texts) == [processor.doc_features(processor.nlp(t)) for t in texts]


def test_folding_makes_words_with_and_without_diacritics_the_same():
    processor = TextProcessor(fold_diacritics=True)
    with_marks, without = processor.transform(["Ärendet om påminnelsen", "Arendet om paminnelsen"])
    assert with_marks == without == "arendet om paminnelsen"


def test_stop_words_are_kept():
    (features,) = TextProcessor().transform(["Jag har inte fått fakturan"])
    assert features.split() == ["jag", "har", "inte", "fatt", "fakturan"]


def test_lookup_lemmas_are_read_from_lower_case_forms():
    (features,) = TextProcessor(fold_diacritics=False, use_lemmas=True).transform(["Påminnelserna FAKTUROR"])
    assert features.split() == ["påminnelse", "faktura"]
