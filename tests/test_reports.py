"""Weekly process-owner reports: the page, its figures, its words in both languages, and the CSV."""

import base64
import io
import re
from datetime import date

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from onodig.reports import Report, build_report, change_sentence
from onodig.reports.charts import mix_chart, share_chart
from onodig.reports.texts import format_number, format_percent, root_cause_name

WEEK_39, WEEK_40, WEEK_41 = date(2026, 9, 21), date(2026, 9, 28), date(2026, 10, 5)
TYPES = ("invoice_status", "case_status", "missing_information", "duplicate_request", "processing_time")


def weekly_row(week, inquiries, counts, low, high, corrected, needs_review=0):
    avoidable = sum(counts)
    row = {
        "process": "bygglov",
        "week_start": week,
        "inquiries": inquiries,
        "avoidable_inquiries": avoidable,
        "avoidable_share": avoidable / inquiries,
        "avoidable_share_low": low,
        "avoidable_share_high": high,
        "corrected_avoidable_share": corrected,
        "n_value_demand": inquiries - avoidable,
        "needs_review": needs_review,
    }
    row.update({f"n_{key}": n for key, n in zip(TYPES, counts, strict=True)})
    return row


def capacity_row(week, hours, avoidable_hours):
    freed = avoidable_hours / 2
    return {
        "process": "bygglov",
        "week_start": week,
        "hours": hours,
        "avoidable_hours": avoidable_hours,
        "fte": hours * 52 / 1600,
        "avoidable_fte": avoidable_hours * 52 / 1600,
        "freed_hours_if_halved": freed,
        "growth_headroom_if_halved": freed / (hours - freed),
        "inquiries_with_default_hours": 7,
    }


def cause(week, demand_type, root_cause, lever_name, inquiries, hours):
    return {
        "process": "bygglov",
        "week_start": week,
        "demand_type": demand_type,
        "root_cause": root_cause,
        "lever": "some_lever",
        "lever_name": lever_name,
        "inquiries": inquiries,
        "hours": hours,
    }


@pytest.fixture
def frames():
    return three_weeks_of_bygglov()


def three_weeks_of_bygglov():
    """Three weeks of bygglov: the share goes from 38 % to 41 %, outside last week's interval but not
    clear of it: the two weeks' intervals overlap, so the change is within chance."""
    weekly = pd.DataFrame(
        [
            weekly_row(WEEK_39, 900, [50, 95, 70, 50, 50], 0.32, 0.38, 0.33),
            weekly_row(WEEK_40, 1000, [60, 100, 80, 70, 70], 0.355, 0.405, 0.36),
            weekly_row(WEEK_41, 1000, [65, 112, 88, 73, 72], 0.38, 0.44, 0.39, needs_review=3),
        ]
    )
    weekly["week_start"] = pd.to_datetime(weekly["week_start"])
    capacity = pd.DataFrame(
        [capacity_row(WEEK_39, 350.0, 120.0), capacity_row(WEEK_40, 380.0, 140.0), capacity_row(WEEK_41, 400.0, 160.0)]
    )
    capacity["week_start"] = pd.to_datetime(capacity["week_start"])
    root_causes = pd.DataFrame(
        [
            cause(WEEK_40, "invoice_status", "no_invoice_found", "Säker fakturaleverans", 500, 50.0),
            cause(WEEK_41, "case_status", "decision_not_received", "Statusnotiser i ärendet", 60, 6.5),
            cause(WEEK_41, "invoice_status", "paid_before_contact", "Betalstatus synlig i e-tjänsten", 40, 3.25),
            cause(WEEK_41, "missing_information", "form_did_not_collect", "<script>alert(1)</script>", 30, 2.0),
            cause(WEEK_41, "duplicate_request", "brand_new_cause", "unknown", 20, 1.0),
            cause(WEEK_41, "processing_time", "no_published_processing_time", "Publicera handläggningstider", 10, 0.5),
            cause(WEEK_41, "case_status", "case_delayed", "Statusnotiser i ärendet", 5, 0.4),
        ]
    )
    root_causes["week_start"] = pd.to_datetime(root_causes["week_start"])
    return weekly, root_causes, capacity


def report(frames, **kwargs) -> Report:
    weekly, root_causes, capacity = frames
    return build_report("bygglov", "Bygglov", weekly, root_causes, capacity, **kwargs)


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)]


def causes_table(page: str) -> str:
    start = page.index('<table class="stack causes">')
    return page[start : page.index("</table>", start)]


def visible_text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_page_is_self_contained_with_two_png_charts(frames):
    page = report(frames).html
    pngs = images(page)
    assert len(pngs) == 2
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000 for png in pngs)
    assert len(re.findall(r'<img [^>]*alt="[^"]{20,}"', page)) == 2
    assert "<style>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_swedish_key_figures_and_title(frames):
    result = report(frames)
    text = visible_text(result.html)
    assert result.week_start == WEEK_41 and result.language == "sv" and result.process == "bygglov"
    assert "Bygglov Vecka 41, 2026" in text
    assert "5–11 oktober 2026" in text
    assert "Kontakter 1 000" in text
    assert "Onödig efterfrågan 41 %" in text
    assert "95 % intervall 38–44 %" in text
    assert "Korrigerad andel 39 %" in text
    assert "160,0 timmar" in text and "motsvarar 5,20 heltidstjänster" in text
    assert "3 kontakter väntar på manuell granskning" in text
    assert "Tiden för 7 kontakter är uppskattad" in text


def test_swedish_change_sentence_is_on_the_page(frames):
    result = report(frames)
    expected = (
        "Andelen onödig efterfrågan var 41 % mot 38 % förra veckan (+3 procentenheter), "
        "oförändrad inom felmarginalen; störst ökning: Ärendestatus (+12 kontakter)."
    )
    assert result.summary["change_sentence"] == expected
    assert expected in visible_text(result.html)


def test_root_causes_are_the_weeks_top_ones_readable_with_lever(frames):
    page = report(frames, top_causes=4).html
    table = causes_table(page)
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows]
    assert cells[0] == ["Ärendestatus", "Beslutet nådde inte fram", "Statusnotiser i ärendet", "60", "6,5"]
    assert cells[1][1:3] == ["Betald före kontakten", "Betalstatus synlig i e-tjänsten"]
    assert cells[3][1:3] == ["Brand new cause", "Okänd orsak"]
    assert len(rows) == 4  # top_causes, and last week's 500 "no_invoice_found" stays out
    assert "Ingen faktura hittades" not in page


def test_data_values_are_html_escaped(frames):
    page = report(frames).html
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    weekly, root_causes, capacity = frames
    hostile = build_report("bygglov", 'Bygg & "lov" <b>', weekly, root_causes, capacity).html
    assert "<b>" not in hostile and "Bygg &amp; &quot;lov&quot; &lt;b&gt;" in hostile


def test_capacity_and_headroom_sentence(frames):
    result = report(frames)
    text = visible_text(result.html)
    assert "Onödig efterfrågan tog 160,0 timmar av 400,0 timmar den här veckan" in text
    assert (
        "Om varje typ av onödig efterfrågan halverades skulle 80,0 timmar frigöras, "
        "nog för att möta 25 % fler kontakter utan fler medarbetare."
    ) in text


def test_summary_holds_plain_numbers_for_the_reported_week(frames):
    summary = report(frames).summary
    assert summary["inquiries"] == 1000
    assert summary["avoidable_share"] == pytest.approx(0.41)
    assert (summary["avoidable_share_low"], summary["avoidable_share_high"]) == (0.38, 0.44)
    assert summary["corrected_avoidable_share"] == 0.39
    assert summary["avoidable_hours"] == 160.0
    assert summary["avoidable_fte"] == pytest.approx(5.2)
    assert summary["process_name"] == "Bygglov"


def test_english_report_speaks_english(frames):
    result = report(frames, language="en")
    text = visible_text(result.html)
    assert result.html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "Bygglov Week 41, 2026" in text
    assert "Inquiries 1,000" in text
    assert "95% interval 38–44%" in text
    assert (
        "The share of avoidable demand was 41% against 38% last week (+3 percentage points), "
        "unchanged within the margin of error; largest increase: Case status (+12 inquiries)."
    ) in text
    assert "Decision did not reach the citizen" in text
    assert (
        "If every type of avoidable demand were halved, 80.0 hours would be freed, "
        "enough to meet 25% more inquiries without more staff."
    ) in text
    assert "Vecka" not in text and "Kontakter" not in text


def test_noise_in_the_last_bits_of_a_sum_does_not_change_the_report(frames):
    """A parallel sum may differ in its last bits between runs; the report, and whether it is re-sent, must not."""
    from onodig.reports.publish import content_hash

    weekly, root_causes, capacity = frames
    noisy_weekly = weekly.assign(avoidable_share_low=weekly["avoidable_share_low"] * (1 + 1e-15))
    noisy_capacity = capacity.assign(hours=capacity["hours"] + 1e-12)
    noisy = build_report("bygglov", "Bygglov", noisy_weekly, root_causes, noisy_capacity)
    assert noisy.csv == report(frames).csv
    assert content_hash(noisy) == content_hash(report(frames))


def test_csv_has_one_machine_readable_row_per_week_oldest_first(frames):
    result = report(frames)
    table = pd.read_csv(io.StringIO(result.csv), sep=";")
    assert list(table.columns) == [
        "process",
        "week_start",
        "inquiries",
        "avoidable_inquiries",
        "avoidable_share",
        "avoidable_share_low",
        "avoidable_share_high",
        "corrected_avoidable_share",
        "hours",
        "avoidable_hours",
        "avoidable_fte",
        "n_invoice_status",
        "n_case_status",
        "n_missing_information",
        "n_duplicate_request",
        "n_processing_time",
        "n_value_demand",
    ]
    assert table["week_start"].tolist() == ["2026-09-21", "2026-09-28", "2026-10-05"]
    assert table["process"].eq("bygglov").all()
    assert table["inquiries"].tolist() == [900, 1000, 1000]
    assert table["hours"].tolist() == [350.0, 380.0, 400.0]
    assert table["avoidable_share"].iloc[-1] == pytest.approx(0.41)
    assert table["n_case_status"].tolist() == [95, 100, 112]
    assert "0.41" in result.csv and ",41" not in result.csv


def test_weeks_limits_the_window_and_week_start_picks_the_week(frames):
    assert len(pd.read_csv(io.StringIO(report(frames, weeks=2).csv), sep=";")) == 2
    earlier = report(frames, week_start=date(2026, 9, 30))  # a Wednesday: its ISO week is meant
    assert earlier.week_start == WEEK_40
    assert "Vecka 40, 2026" in earlier.html
    assert pd.read_csv(io.StringIO(earlier.csv), sep=";")["week_start"].tolist() == ["2026-09-21", "2026-09-28"]


def test_python_dates_and_datetime64_give_the_same_report(frames):
    as_dates = tuple(frame.assign(week_start=frame["week_start"].dt.date) for frame in frames)
    assert isinstance(as_dates[0]["week_start"].iloc[0], date)
    by_dates, by_datetimes = report(as_dates), report(frames)
    assert by_dates.csv == by_datetimes.csv
    assert by_dates.summary == by_datetimes.summary


def test_empty_input_gives_a_no_data_page():
    empty = pd.DataFrame()
    result = build_report("bygglov", "Bygglov", empty, empty, empty, week_start=WEEK_41)
    assert "Det finns ingen data för Bygglov vecka 41, 2026." in result.html
    assert "<img" not in result.html
    assert pd.read_csv(io.StringIO(result.csv), sep=";").empty
    assert result.summary["inquiries"] == 0 and result.summary["avoidable_share"] is None
    english = build_report("bygglov", "Bygglov", empty, empty, empty, language="en")
    assert "There is no data for Bygglov" in english.html


def test_a_week_without_rows_gives_a_no_data_page_not_an_older_week(frames):
    result = report(frames, week_start=date(2026, 10, 12))
    assert "Det finns ingen data för Bygglov vecka 42, 2026." in result.html


def test_missing_previous_week_is_said_not_called_the_first_week(frames):
    weekly, root_causes, capacity = frames
    without_week_40 = weekly[weekly["week_start"] != pd.Timestamp(WEEK_40)]
    result = build_report("bygglov", "Bygglov", without_week_40, root_causes, capacity)
    assert result.summary["change_sentence"] == "Ingen data för föregående vecka att jämföra med."


def test_missing_capacity_still_renders(frames):
    weekly, root_causes, _ = frames
    result = build_report("bygglov", "Bygglov", weekly, root_causes, pd.DataFrame())
    assert "Det finns ingen tidsuppgift för veckan." in result.html
    assert result.summary["avoidable_hours"] is None
    assert pd.read_csv(io.StringIO(result.csv), sep=";")["hours"].isna().all()


def test_eight_reports_leave_no_open_figures(frames):
    for _ in range(8):
        report(frames)
    assert plt.get_fignums() == []


def test_unknown_language_is_refused(frames):
    with pytest.raises(ValueError, match="language"):
        report(frames, language="se")


def week(share, low, high, case_status=100, invoice_status=50):
    return {
        "avoidable_share": share,
        "avoidable_share_low": low,
        "avoidable_share_high": high,
        "n_invoice_status": invoice_status,
        "n_case_status": case_status,
        "n_missing_information": 20,
        "n_duplicate_request": 10,
        "n_processing_time": 5,
    }


def test_change_sentence_rise():
    sentence = change_sentence(week(0.45, 0.42, 0.48, case_status=112), week(0.38, 0.355, 0.405), "sv")
    assert sentence == (
        "Andelen onödig efterfrågan steg från 38 % till 45 % (+7 procentenheter); "
        "störst ökning: Ärendestatus (+12 kontakter)."
    )


def test_change_sentence_fall_names_the_largest_decrease():
    current = pd.Series(week(0.30, 0.27, 0.33, case_status=95, invoice_status=42))
    sentence = change_sentence(current, pd.Series(week(0.38, 0.355, 0.405)), "sv")
    assert sentence == (
        "Andelen onödig efterfrågan sjönk från 38 % till 30 % (-8 procentenheter); "
        "störst minskning: Fakturastatus (-8 kontakter)."
    )
    english = change_sentence(current, pd.Series(week(0.38, 0.355, 0.405)), "en")
    assert english.startswith("The share of avoidable demand fell from 38% to 30% (-8 percentage points)")


def test_change_sentence_without_previous_week():
    assert change_sentence(week(0.41, 0.38, 0.44), None, "sv") == "Första veckan med data."
    assert change_sentence(week(0.41, 0.38, 0.44), None, "en") == "First week with data."


def test_change_sentence_inside_last_weeks_interval_is_not_a_rise():
    sentence = change_sentence(week(0.40, 0.35, 0.45, case_status=101), week(0.38, 0.33, 0.43), "sv")
    assert "steg" not in sentence
    assert sentence == (
        "Andelen onödig efterfrågan var 40 % mot 38 % förra veckan (+2 procentenheter), "
        "oförändrad inom felmarginalen; störst ökning: Ärendestatus (+1 kontakt)."
    )


def test_change_sentence_same_share_and_same_counts():
    assert change_sentence(week(0.38, 0.355, 0.405), week(0.38, 0.355, 0.405), "sv") == (
        "Andelen onödig efterfrågan var oförändrad, 38 %."
    )


def test_number_formats():
    assert format_number(1234567.25, "sv", 1) == "1 234 567,3"
    assert format_number(1234567.25, "en", 1) == "1,234,567.3"
    assert format_percent(0.405, "sv") == "41 %"
    assert format_percent(0.405, "en") == "41%"
    assert format_percent(None, "sv") == "–"
    assert root_cause_name("paid_before_contact", "en") == "Paid before the contact"
    assert root_cause_name("not_yet_named", "sv") == "Not yet named"


def test_charts_return_png_bytes(frames):
    weekly = frames[0]
    assert share_chart(weekly, "sv").startswith(b"\x89PNG")
    assert share_chart(weekly.iloc[-1:], "en").startswith(b"\x89PNG")
    assert mix_chart(weekly.iloc[-1], "sv").startswith(b"\x89PNG")
    assert mix_chart({"inquiries": 0}, "en").startswith(b"\x89PNG")


def test_levers_are_named_in_the_reports_language_when_the_warehouse_has_both(frames):
    weekly, root_causes, capacity = frames
    root_causes = root_causes.assign(
        lever_name_en=root_causes["lever_name"].replace({"Statusnotiser i ärendet": "Case status notifications"})
    )
    english = build_report("bygglov", "Bygglov", weekly, root_causes, capacity, language="en")
    swedish = build_report("bygglov", "Bygglov", weekly, root_causes, capacity, language="sv")
    assert "Case status notifications" in english.html and "Statusnotiser i ärendet" not in english.html
    assert "Statusnotiser i ärendet" in swedish.html and "Case status notifications" not in swedish.html
