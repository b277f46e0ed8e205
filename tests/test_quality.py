"""great-expectations suites, whole and a chunk at a time."""

import pandas as pd

from onodig.quality.suites import unique_columns, validate, validate_in_chunks


def contacts(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contact_id": [f"C{i}" for i in range(start, start + n)],
            "channel": ["phone"] * n,
            "started_at": pd.Timestamp("2026-03-02 08:00"),
            "text": ["Har ni fått min ansökan?"] * n,
            "citizen_key": ["c_" + "a" * 20] * n,
        }
    )


def test_a_clean_table_passes_and_leaks_fail():
    assert validate("landed_contacts", contacts(5)).success
    leaky = contacts(5)
    leaky.loc[2, "text"] = "Mitt pnr är 850312-1234"
    leaky.loc[3, "text"] = "mejla anna@example.se"
    result = validate("landed_contacts", leaky)
    assert not result.success
    assert set(result.failed) == {
        "expect_column_values_to_not_match_regex(text)",
    }
    assert sum(r["unexpected"] for r in result.results if r["column"] == "text") == 2


def test_chunked_validation_adds_up_and_takes_uniqueness_from_the_database():
    chunks = [contacts(3), contacts(3, start=3).assign(channel=["phone", "fax", "phone"])]
    result = validate_in_chunks("landed_contacts", chunks, {"contact_id": 0})
    assert result.rows == 6 and result.failed == ["expect_column_values_to_be_in_set(channel)"]
    assert unique_columns("landed_contacts") == ["contact_id"]
    repeated = validate_in_chunks("landed_contacts", [contacts(3)], {"contact_id": 2})
    assert "expect_column_values_to_be_unique(contact_id)" in repeated.failed


def test_a_load_validates_the_days_it_loaded_and_ids_across_all_days(tmp_path, warehouse, pseudonymiser):
    from datetime import date

    from onodig.assets.ingest import window_quality
    from onodig.ingestion.load import load_window

    folder = tmp_path / "landing" / "contacts"
    folder.mkdir(parents=True)
    header = "contact_id;channel;started_at;citizen_id;queue;handled_seconds;case_ref;invoice_ref;text\n"
    (folder / "a.csv").write_text(
        header + "C1;phone;2026-03-02 08:00;;Bygglov;60;;;Fråga\nC2;phone;2026-03-03 08:00;;Bygglov;60;;;Fråga\n",
        encoding="utf-8",
    )
    load_window("contacts", tmp_path / "landing", warehouse, pseudonymiser, date(2026, 3, 1), date(2026, 4, 1))
    # a row that slipped past masking on 3 March, and an id repeated on 2 March
    warehouse.execute("update landed_contacts set text = 'ring 19850312-1234' where contact_id = 'C2'")
    assert window_quality(warehouse, "contacts", date(2026, 3, 2), date(2026, 3, 3)).passed
    bad_day = window_quality(warehouse, "contacts", date(2026, 3, 3), date(2026, 3, 4))
    assert not bad_day.passed and bad_day.metadata["rows"].value == 1
    warehouse.execute("update landed_contacts set contact_id = 'C1', text = 'Fråga'")
    assert not window_quality(warehouse, "contacts", date(2026, 3, 2), date(2026, 3, 3)).passed  # ids: all days
