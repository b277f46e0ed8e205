"""Every word a process owner reads, in Swedish (the default) and English, and the number formats.

Kept in one place so that a wording change or a new language touches one file, and so that the
page, the charts and the e-mail say the same thing in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from onodig.classifiers.taxonomy import DEMAND_TYPES, SWEDISH_NAMES

LANGUAGES = ("sv", "en")

# The taxonomy's order (../shared/taxonomy.md): the five avoidable types, then value demand.
AVOIDABLE_TYPES = DEMAND_TYPES[:5]

DEMAND_TYPE_NAMES = {
    "sv": SWEDISH_NAMES,
    "en": {
        "invoice_status": "Invoice status",
        "case_status": "Case status",
        "missing_information": "Missing information",
        "duplicate_request": "Duplicate request",
        "processing_time": "Processing time",
        "value_demand": "Value demand",
    },
}

ROOT_CAUSE_NAMES = {
    "sv": {
        "no_invoice_found": "Ingen faktura hittades",
        "reminder_after_payment": "Påminnelse efter betalning",
        "paid_before_contact": "Betald före kontakten",
        "invoice_hard_to_understand": "Fakturan var svår att förstå",
        "reminder_for_unpaid_invoice": "Påminnelse om obetald faktura",
        "decision_not_received": "Beslutet nådde inte fram",
        "case_delayed": "Ärendet var försenat",
        "no_acknowledgement": "Ingen bekräftelse på ärendet",
        "expected_time_not_communicated": "Förväntad tid inte kommunicerad",
        "unclear_completion_letter": "Otydligt kompletteringsbrev",
        "form_did_not_collect": "E-tjänsten samlade inte in uppgiften",
        "repeats_earlier_inquiry": "Upprepar en tidigare kontakt",
        "published_time_not_found": "Publicerad tid hittades inte",
        "no_published_processing_time": "Ingen publicerad handläggningstid",
        "unknown": "Okänd orsak",
    },
    "en": {
        "no_invoice_found": "No invoice found",
        "reminder_after_payment": "Reminder after payment",
        "paid_before_contact": "Paid before the contact",
        "invoice_hard_to_understand": "Invoice hard to understand",
        "reminder_for_unpaid_invoice": "Reminder for an unpaid invoice",
        "decision_not_received": "Decision did not reach the citizen",
        "case_delayed": "Case delayed",
        "no_acknowledgement": "No acknowledgement of the case",
        "expected_time_not_communicated": "Expected time not communicated",
        "unclear_completion_letter": "Unclear completion letter",
        "form_did_not_collect": "Form did not collect the information",
        "repeats_earlier_inquiry": "Repeats an earlier inquiry",
        "published_time_not_found": "Published time not found",
        "no_published_processing_time": "No published processing time",
        "unknown": "Unknown cause",
    },
}

MONTHS = {
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

LABELS = {
    "sv": {
        "report_title": "Onödig efterfrågan",
        "week_title": "Vecka {week}, {year}",
        "week_short": "v. {week}",
        "subject": "Onödig efterfrågan – {process_name}, vecka {week}",
        "inquiries": "Kontakter",
        "avoidable_share": "Onödig efterfrågan",
        "interval": "95 % intervall {low}–{high}",
        "corrected": "Korrigerad andel {share}",
        "avoidable_hours": "Tid för onödig efterfrågan",
        "hours_value": "{hours} timmar",
        "fte_value": "motsvarar {fte} heltidstjänster",
        "change_heading": "Vad har hänt sedan förra veckan",
        "share_heading": "Andel onödig efterfrågan, vecka för vecka",
        "mix_heading": "Kontakter per typ, vecka {week}",
        "causes_heading": "Vanligaste orsakerna till onödig efterfrågan",
        "capacity_heading": "Vad onödig efterfrågan kostar",
        "col_demand_type": "Typ",
        "col_root_cause": "Orsak",
        "col_lever": "Åtgärd",
        "col_inquiries": "Kontakter",
        "col_hours": "Timmar",
        "no_causes": "Inga orsaker till onödig efterfrågan registrerades den här veckan.",
        "capacity_sentence": (
            "Onödig efterfrågan tog {avoidable_hours} timmar av {hours} timmar den här veckan, "
            "motsvarande {avoidable_fte} heltidstjänster."
        ),
        "headroom_sentence": (
            "Om varje typ av onödig efterfrågan halverades skulle {freed_hours} timmar frigöras, "
            "nog för att möta {headroom} fler kontakter utan fler medarbetare."
        ),
        "no_capacity": "Det finns ingen tidsuppgift för veckan.",
        "share_chart_alt": (
            "Linjediagram: andel onödig efterfrågan per vecka från vecka {first} till vecka {last}, "
            "med 95 % intervall som skuggat band och korrigerad andel som streckad linje. "
            "Senaste veckan: {share}."
        ),
        "mix_chart_alt": "Stapeldiagram: kontakter per typ vecka {week}. {counts}.",
        "legend_share": "Andel onödig efterfrågan",
        "legend_interval": "95 % intervall",
        "legend_corrected": "Korrigerad andel",
        "mix_axis": "Kontakter",
        "note_corrected": "Korrigerad andel: andelen justerad för klassificerarens kända fel.",
        "note_interval": "95 % intervall: var den verkliga andelen sannolikt ligger, givet antalet kontakter.",
        "note_review": "{n} kontakter väntar på manuell granskning.",
        "note_audit": (
            "Klassificeraren har kontrollerats mot {n} av kommunens egna kontakter: {accuracy} rätt "
            "(95 % intervall {low}–{high})."
        ),
        "note_audit_corrects": "Den korrigerade andelen bygger på den kontrollen.",
        "note_no_audit": (
            "Inga av kommunens egna kontakter har kontrollerats ännu: andelarna förutsätter att "
            "klassificeraren är lika träffsäker som på testtexter ({accuracy} rätt)."
        ),
        "note_default_hours": "Tiden för {n} kontakter är uppskattad med kanalens standardtid.",
        "missing_exports": "Exporter som inte har levererats än: {sources}. Tills de kommer saknar rapporten {what}.",
        "missing_cases": "kopplingar till ärenden, handläggningstider och ärendenas grundorsaker",
        "missing_invoices": "kopplingar till fakturor och fakturornas grundorsaker",
        "missing_contacts": "kontakter via telefon, e-post, chatt och besök",
        "missing_eservice": "e-tjänsteärenden",
        "source_contacts": "kontaktloggen",
        "source_eservice": "e-tjänsterna",
        "source_cases": "ärendehändelserna",
        "source_invoices": "fakturorna",
        "footer": "Skapad av onodig. Siffrorna finns också som CSV.",
        "no_data_heading": "Ingen data",
        "no_data": "Det finns ingen data för {process_name} vecka {week}, {year}.",
        "no_data_sentence": "Ingen data för veckan.",
        "first_week": "Första veckan med data.",
        "no_previous_week": "Ingen data för föregående vecka att jämföra med.",
        "rose": "Andelen onödig efterfrågan steg från {previous} till {current} ({diff})",
        "fell": "Andelen onödig efterfrågan sjönk från {previous} till {current} ({diff})",
        "within_margin": (
            "Andelen onödig efterfrågan var {current} mot {previous} förra veckan ({diff}), "
            "oförändrad inom felmarginalen"
        ),
        "unchanged": "Andelen onödig efterfrågan var oförändrad, {current}",
        "too_few": (
            "Andelen onödig efterfrågan var {current} mot {previous} förra veckan ({diff}), men {n_current} "
            "kontakter den här veckan och {n_previous} förra är för få för att säga om den steg eller sjönk"
        ),
        "preliminary_title": "Preliminär",
        "preliminary_in_progress": (
            "Veckan pågår fortfarande. Siffrorna ändras när resten av veckans kontakter kommer in, "
            "och rapporten skickas inte ut."
        ),
        "preliminary_short": (
            "Exporterna når inte veckans slut, söndag {sunday}: {sources}. Siffrorna kan ändras när resten "
            "kommer, och rapporten skickas inte ut förrän dess."
        ),
        "source_until": "{source} har rader till och med {day}",
        "source_none": "{source} har inga rader för veckan",
        "revised_title": "Reviderad",
        "revised_sentence": (
            "En sen leverans har ändrat veckans siffror mer än felmarginalen sedan rapporten skickades den {sent}. "
            "Den här rapporten ersätter den."
        ),
        "subject_revised": "Reviderad: {subject}",
        "points_one": "procentenhet",
        "points_many": "procentenheter",
        "largest_increase": "störst ökning: {type} ({diff} {unit})",
        "largest_decrease": "störst minskning: {type} ({diff} {unit})",
        "inquiry_one": "kontakt",
        "inquiry_many": "kontakter",
        "plain_figures": (
            "Kontakter: {inquiries}\n"
            "Onödig efterfrågan: {share} (95 % intervall {low}–{high}), korrigerad {corrected}\n"
            "Tid för onödig efterfrågan: {hours} timmar, motsvarar {fte} heltidstjänster"
        ),
        "plain_attachment": "Siffrorna finns i bifogad CSV-fil.",
        "missing": "–",
        "definition_heading": "Vad är onödig efterfrågan?",
        "definition": (
            "Onödig efterfrågan är kontakter som inte hade behövts om kommunen hade informerat, gjort klart "
            "eller frågat rätt första gången: frågor om fakturor och ärenden som redan finns, kompletteringar, "
            "samma sak en gång till och frågor om handläggningstid. Resten är värdeefterfrågan, det kommunen "
            "finns till för."
        ),
        "trend_none": "Ingen data de senaste {weeks} veckorna.",
        "year_heading": "Hittills i år, {year}",
        "year_sentence": (
            "Vecka {first}–{last}: {inquiries} kontakter, varav {avoidable} var onödig efterfrågan ({share}). "
            "Onödig efterfrågan tog {hours} timmar."
        ),
        "year_none": "Inga kontakter hittills i år.",
        "mix_none": "Inga kontakter vecka {week}.",
        "channels_heading": "Kontakter per kanal, vecka {week}",
        "col_channel": "Kanal",
        "col_avoidable": "Onödiga",
        "col_share": "Andel onödiga",
        "no_channels": "Inga kontakter den här veckan.",
        "channel_phone": "Telefon",
        "channel_email": "E-post",
        "channel_chat": "Chatt",
        "channel_visit": "Besök",
        "channel_eservice": "E-tjänst",
        "repeats_heading": "Upprepade kontakter",
        "repeats_sentence": (
            "{repeats} av {identified} kontakter från identifierade invånare ({rate}) kom från någon som hört av "
            "sig om samma verksamhet de senaste {days} dagarna, i vilken kanal som helst."
        ),
        "repeats_average": "Genomsnitt de senaste {weeks} veckorna: {rate}.",
        "no_repeats": "Inga kontakter från identifierade invånare den här veckan.",
        "examples_label": "Exempel på kontakter (maskerade)",
        "footer_files": "Skapad av onodig. Siffrorna finns också som Excel-fil (xlsx) och CSV.",
        "plain_causes": "Vanligaste orsakerna:",
        "plain_cause": "- {cause}: {inquiries} kontakter, {hours} timmar. Åtgärd: {lever}",
        "plain_attachments": "Rapporten är bifogad som HTML-sida och siffrorna som Excel-fil (xlsx) och CSV.",
        "xl_sheet_weeks": "Veckor",
        "xl_sheet_causes": "Orsaker",
        "xl_sheet_channels": "Kanaler",
        "xl_week_start": "Veckan börjar",
        "xl_week": "Vecka",
        "xl_corrected": "Korrigerad andel",
        "xl_share_low": "Intervall, lägst",
        "xl_share_high": "Intervall, högst",
        "xl_hours": "Timmar",
        "xl_avoidable_hours": "Timmar onödig efterfrågan",
        "xl_avoidable_fte": "Heltidstjänster onödig efterfrågan",
        "xl_repeat_rate": "Andel upprepade kontakter",
    },
    "en": {
        "report_title": "Avoidable demand",
        "week_title": "Week {week}, {year}",
        "week_short": "W{week}",
        "subject": "Avoidable demand – {process_name}, week {week}",
        "inquiries": "Inquiries",
        "avoidable_share": "Avoidable demand",
        "interval": "95% interval {low}–{high}",
        "corrected": "Corrected share {share}",
        "avoidable_hours": "Time spent on avoidable demand",
        "hours_value": "{hours} hours",
        "fte_value": "equal to {fte} full-time staff",
        "change_heading": "What changed since last week",
        "share_heading": "Share of avoidable demand, week by week",
        "mix_heading": "Inquiries by type, week {week}",
        "causes_heading": "Top root causes of avoidable demand",
        "capacity_heading": "What avoidable demand costs",
        "col_demand_type": "Type",
        "col_root_cause": "Root cause",
        "col_lever": "Lever",
        "col_inquiries": "Inquiries",
        "col_hours": "Hours",
        "no_causes": "No root causes of avoidable demand were recorded this week.",
        "capacity_sentence": (
            "Avoidable demand took {avoidable_hours} of {hours} hours this week, "
            "equal to {avoidable_fte} full-time staff."
        ),
        "headroom_sentence": (
            "If every type of avoidable demand were halved, {freed_hours} hours would be freed, "
            "enough to meet {headroom} more inquiries without more staff."
        ),
        "no_capacity": "There are no hours recorded for this week.",
        "share_chart_alt": (
            "Line chart: share of avoidable demand per week from week {first} to week {last}, "
            "with the 95% interval as a shaded band and the corrected share as a dashed line. "
            "Latest week: {share}."
        ),
        "mix_chart_alt": "Bar chart: inquiries by type in week {week}. {counts}.",
        "legend_share": "Share of avoidable demand",
        "legend_interval": "95% interval",
        "legend_corrected": "Corrected share",
        "mix_axis": "Inquiries",
        "note_corrected": "Corrected share: the share adjusted for the classifier's known errors.",
        "note_interval": "95% interval: where the true share most likely lies, given the number of inquiries.",
        "note_review": "{n} inquiries are waiting for manual review.",
        "note_audit": (
            "The classifier has been checked against {n} of the municipality's own inquiries: {accuracy} correct "
            "(95% interval {low}–{high})."
        ),
        "note_audit_corrects": "The corrected share is based on that check.",
        "note_no_audit": (
            "None of the municipality's own inquiries have been checked yet: the shares assume the classifier is "
            "as accurate as on test text ({accuracy} correct)."
        ),
        "note_default_hours": "Time for {n} inquiries is estimated from the channel's default handling time.",
        "missing_exports": "Exports not delivered yet: {sources}. Until they arrive, this report lacks {what}.",
        "missing_cases": "links to cases, processing times and the root causes found in cases",
        "missing_invoices": "links to invoices and the root causes found in invoices",
        "missing_contacts": "phone, e-mail, chat and visit contacts",
        "missing_eservice": "e-service submissions",
        "source_contacts": "the contact log",
        "source_eservice": "the e-service submissions",
        "source_cases": "the case events",
        "source_invoices": "the invoices",
        "footer": "Made by onodig. The figures are also available as CSV.",
        "no_data_heading": "No data",
        "no_data": "There is no data for {process_name} in week {week}, {year}.",
        "no_data_sentence": "No data for the week.",
        "first_week": "First week with data.",
        "no_previous_week": "No data for the previous week to compare with.",
        "rose": "The share of avoidable demand rose from {previous} to {current} ({diff})",
        "fell": "The share of avoidable demand fell from {previous} to {current} ({diff})",
        "within_margin": (
            "The share of avoidable demand was {current} against {previous} last week ({diff}), "
            "unchanged within the margin of error"
        ),
        "unchanged": "The share of avoidable demand was unchanged at {current}",
        "too_few": (
            "The share of avoidable demand was {current} against {previous} last week ({diff}), but {n_current} "
            "inquiries this week and {n_previous} last week are too few to tell whether it rose or fell"
        ),
        "preliminary_title": "Preliminary",
        "preliminary_in_progress": (
            "The week is still in progress. The figures will change as the rest of the week's inquiries arrive, "
            "and the report is not sent out."
        ),
        "preliminary_short": (
            "The exports do not reach the end of the week, Sunday {sunday}: {sources}. The figures may change "
            "when the rest arrives, and the report is not sent out until then."
        ),
        "source_until": "{source} has rows up to {day}",
        "source_none": "{source} has no rows for the week",
        "revised_title": "Revised",
        "revised_sentence": (
            "A late delivery has changed the week's figures by more than the margin of error since the report was "
            "sent on {sent}. This report replaces it."
        ),
        "subject_revised": "Revised: {subject}",
        "points_one": "percentage point",
        "points_many": "percentage points",
        "largest_increase": "largest increase: {type} ({diff} {unit})",
        "largest_decrease": "largest decrease: {type} ({diff} {unit})",
        "inquiry_one": "inquiry",
        "inquiry_many": "inquiries",
        "plain_figures": (
            "Inquiries: {inquiries}\n"
            "Avoidable demand: {share} (95% interval {low}–{high}), corrected {corrected}\n"
            "Time spent on avoidable demand: {hours} hours, equal to {fte} full-time staff"
        ),
        "plain_attachment": "The figures are in the attached CSV file.",
        "missing": "–",
        "definition_heading": "What is avoidable demand?",
        "definition": (
            "Avoidable (failure) demand is contact that would not have been needed had the municipality informed, "
            "finished or asked right the first time: questions about existing invoices and cases, completions, the "
            "same thing again, and questions about processing times. The rest is value demand, what the "
            "municipality is there for."
        ),
        "trend_none": "No data in the last {weeks} weeks.",
        "year_heading": "The year so far, {year}",
        "year_sentence": (
            "Weeks {first}–{last}: {inquiries} inquiries, {avoidable} of them avoidable demand ({share}). "
            "Avoidable demand took {hours} hours."
        ),
        "year_none": "No inquiries so far this year.",
        "mix_none": "No inquiries in week {week}.",
        "channels_heading": "Inquiries by channel, week {week}",
        "col_channel": "Channel",
        "col_avoidable": "Avoidable",
        "col_share": "Avoidable share",
        "no_channels": "No inquiries this week.",
        "channel_phone": "Phone",
        "channel_email": "E-mail",
        "channel_chat": "Chat",
        "channel_visit": "Visit",
        "channel_eservice": "E-service",
        "repeats_heading": "Repeat contacts",
        "repeats_sentence": (
            "{repeats} of {identified} inquiries from identified citizens ({rate}) came from someone who had been in "
            "touch about the same process in the last {days} days, on any channel."
        ),
        "repeats_average": "Average over the last {weeks} weeks: {rate}.",
        "no_repeats": "No inquiries from identified citizens this week.",
        "examples_label": "Example inquiries (masked)",
        "footer_files": "Made by onodig. The figures are also available as an Excel file (xlsx) and CSV.",
        "plain_causes": "Top root causes:",
        "plain_cause": "- {cause}: {inquiries} inquiries, {hours} hours. Lever: {lever}",
        "plain_attachments": "The report is attached as an HTML page, the figures as an Excel file (xlsx) and CSV.",
        "xl_sheet_weeks": "Weeks",
        "xl_sheet_causes": "Root causes",
        "xl_sheet_channels": "Channels",
        "xl_week_start": "Week starts",
        "xl_week": "Week",
        "xl_corrected": "Corrected share",
        "xl_share_low": "Interval, low",
        "xl_share_high": "Interval, high",
        "xl_hours": "Hours",
        "xl_avoidable_hours": "Hours of avoidable demand",
        "xl_avoidable_fte": "Full-time staff on avoidable demand",
        "xl_repeat_rate": "Share of repeat contacts",
    },
}


def check_language(language: str) -> str:
    """Fail early on a typo such as "se": a silently English page would reach a Swedish manager."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def text(key: str, language: str, **values: Any) -> str:
    return LABELS[check_language(language)][key].format(**values)


def missing_exports_sentence(sources, language: str) -> str | None:
    """Which landing exports have not been delivered yet and what the report lacks for it; None when all are."""
    sources = [s for s in ("contacts", "eservice", "cases", "invoices") if s in set(sources or ())]
    if not sources:
        return None
    joiner = " och " if language == "sv" else " and "
    names = [text(f"source_{s}", language) for s in sources]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + joiner + names[-1]
    what = "; ".join(text(f"missing_{s}", language) for s in sources)
    return text("missing_exports", language, sources=listed, what=what)


def demand_type_name(key: str, language: str) -> str:
    return DEMAND_TYPE_NAMES[check_language(language)].get(key) or _humanise(key)


def root_cause_name(key: str, language: str) -> str:
    """A key nobody has named yet still reads as words rather than as an identifier."""
    return ROOT_CAUSE_NAMES[check_language(language)].get(key) or _humanise(key)


def lever_display_name(lever_name: str, language: str) -> str:
    """The warehouse writes the bare key "unknown" where a root cause has no lever configured."""
    if lever_name == "unknown":
        return ROOT_CAUSE_NAMES[check_language(language)]["unknown"]
    return lever_name


def _humanise(key: str) -> str:
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def format_number(value: Any, language: str, decimals: int = 0) -> str:
    """Half-up rounding, so 40.5 reads as 41 as a reader would round it, not 40 as floats do."""
    if is_missing(value):
        return text("missing", language)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    plain = f"{rounded:,.{decimals}f}"
    if check_language(language) == "sv":
        return plain.replace(",", " ").replace(".", ",")
    return plain


def format_signed(value: Any, language: str, decimals: int = 0) -> str:
    """A rise carries its "+" so that a change never reads as a level."""
    formatted = format_number(value, language, decimals)
    if not is_missing(value) and float(value) > 0 and formatted != format_number(0, language, decimals):
        return "+" + formatted
    return formatted


def percent_points(share: Any) -> int | None:
    """The share as the whole percent a reader sees, so differences add up with the shown numbers."""
    if is_missing(share):
        return None
    return int(Decimal(str(float(share) * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_percent(share: Any, language: str, decimals: int = 0) -> str:
    """ "41 %" in Swedish (a space before the sign, Språkrådet's rule), "41%" in English."""
    if is_missing(share):
        return text("missing", language)
    number = format_number(float(share) * 100, language, decimals)
    return f"{number} %" if language == "sv" else f"{number}%"


def iso_week(week_start: date) -> tuple[int, int]:
    year, week, _ = week_start.isocalendar()
    return year, week


def week_title(week_start: date, language: str) -> str:
    year, week = iso_week(week_start)
    return text("week_title", language, week=week, year=year)


def week_short(week_start: date, language: str) -> str:
    return text("week_short", language, week=iso_week(week_start)[1])


def date_range(week_start: date, week_end: date, language: str) -> str:
    """ "5–11 oktober 2026" or "28 September – 4 October 2026": when the week actually was."""
    months = MONTHS[check_language(language)]
    if week_start.month == week_end.month:
        return f"{week_start.day}–{week_end.day} {months[week_end.month - 1]} {week_end.year}"
    start = f"{week_start.day} {months[week_start.month - 1]}"
    if week_start.year != week_end.year:
        start += f" {week_start.year}"
    return f"{start} – {week_end.day} {months[week_end.month - 1]} {week_end.year}"


def _plural(n: float, one: str, many: str, language: str) -> str:
    return text(one if abs(n) == 1 else many, language)


# Below this many inquiries in either week, a change in the share is not put in words as a rise or
# a fall: at 9 inquiries one more avoidable contact moves the share by 11 points.
MIN_COMPARABLE_INQUIRIES = 30


def change_sentence(
    current: Mapping | None,
    previous: Mapping | None,
    language: str = "sv",
    min_inquiries: int = MIN_COMPARABLE_INQUIRIES,
) -> str:
    """One sentence a manager can repeat in a meeting, and that stays true when the change is noise.

    `current` and `previous` are the two weeks' rows of avoidable_demand_weekly (a pandas Series or
    any mapping). The share is said to rise or fall only when the two weeks' 95 % intervals do not
    overlap: a new share inside last week's interval, or last week's inside this week's, is within
    chance whatever the point estimates say. Under `min_inquiries` inquiries in either week the
    sentence says there are too few to tell. The type named is the avoidable type whose count moved
    most in the direction of the share (or in any direction when the share did not move).
    """
    check_language(language)
    if current is None or is_missing(_get(current, "avoidable_share")):
        return text("no_data_sentence", language)
    if previous is None or is_missing(_get(previous, "avoidable_share")):
        return text("first_week", language)

    now, before = percent_points(current["avoidable_share"]), percent_points(previous["avoidable_share"])
    diff = now - before
    unit = _plural(diff, "points_one", "points_many", language)
    values = {
        "current": format_percent(current["avoidable_share"], language),
        "previous": format_percent(previous["avoidable_share"], language),
        "diff": f"{format_signed(diff, language)} {unit}",
    }
    counts = [_get(row, "inquiries") for row in (current, previous)]
    if any(not is_missing(n) and float(n) < min_inquiries for n in counts):
        n_current, n_previous = (format_number(n, language) for n in counts)
        return text("too_few", language, **values, n_current=n_current, n_previous=n_previous) + "."
    if diff == 0:
        sentence, direction = text("unchanged", language, **values), 0
    elif not intervals_separate(current, previous):
        sentence, direction = text("within_margin", language, **values), 0
    elif diff > 0:
        sentence, direction = text("rose", language, **values), 1
    else:
        sentence, direction = text("fell", language, **values), -1

    mover = _largest_move(current, previous, direction, language)
    return f"{sentence}; {mover}." if mover else f"{sentence}."


def intervals_separate(current: Mapping, previous: Mapping) -> bool:
    """Whether the two weeks' 95 % intervals do not overlap; not when either interval is unknown."""
    bounds = [_get(row, key) for row in (current, previous) for key in ("avoidable_share_low", "avoidable_share_high")]
    if any(is_missing(bound) for bound in bounds):
        return False
    low, high, previous_low, previous_high = (float(bound) for bound in bounds)
    return low > previous_high or high < previous_low


def day_and_month(day: date, language: str) -> str:
    """ "20 november" or "20 November": a day in the last weeks needs no year."""
    return f"{day.day} {MONTHS[check_language(language)][day.month - 1]}"


def _largest_move(current: Mapping, previous: Mapping, direction: int, language: str) -> str:
    deltas = {}
    for key in AVOIDABLE_TYPES:
        now, before = _get(current, f"n_{key}"), _get(previous, f"n_{key}")
        if not is_missing(now) and not is_missing(before) and now != before:
            deltas[key] = float(now) - float(before)
    if not deltas:
        return ""
    up, down = max(deltas, key=deltas.get), min(deltas, key=deltas.get)
    if direction > 0:
        key = up if deltas[up] > 0 else down
    elif direction < 0:
        key = down if deltas[down] < 0 else up
    else:
        key = up if deltas[up] >= -deltas[down] else down
    delta = deltas[key]
    return text(
        "largest_increase" if delta > 0 else "largest_decrease",
        language,
        type=demand_type_name(key, language),
        diff=format_signed(delta, language),
        unit=_plural(delta, "inquiry_one", "inquiry_many", language),
    )


def _get(row: Mapping, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


# What changed this week: demand alerts and emerging contact reasons (reports/alerts_section.py).
LABELS["sv"].update(
    {
        "trends_heading": "Larm och nya kontaktorsaker",
        "trends_none": "Inga larm och inga nya kontaktorsaker den här veckan.",
        "trends_not_covered": "Larm och nya kontaktorsaker prövas när exporterna täcker hela veckan.",
        "alerts_subheading": "Larm: mer än slumpen förklarar",
        "topics_subheading": "Nya kontaktorsaker",
        "alert_share": "Andelen onödig efterfrågan {verb} till {observed} mot {expected} i snitt de {weeks} veckorna före.",
        "alert_type": "{type}: {verb} till {observed} förfrågningar mot {expected} i snitt de {weeks} veckorna före.",
        "alert_up_share": "steg",
        "alert_down_share": "sjönk",
        "alert_up": "ökade",
        "alert_down": "minskade",
        "topic_line": "{keywords}: {inquiries} förfrågningar mot {previous} i veckan tidigare.",
        "topic_named": "{name} ({keywords}): {inquiries} förfrågningar mot {previous} i veckan tidigare.",
        "topic_examples": "Exempel",
        "alert_mail_subject": "Larm för {process_name}, vecka {week}",
        "alert_mail_intro": "onödig efterfrågan har upptäckt följande i {process_name}:",
        "alert_mail_week": "Vecka {week} {year}",
    }
)
LABELS["en"].update(
    {
        "trends_heading": "Alerts and emerging contact reasons",
        "trends_none": "No alerts and no emerging contact reasons this week.",
        "trends_not_covered": "Alerts and emerging contact reasons are tested once the exports cover the whole week.",
        "alerts_subheading": "Alerts: more than chance explains",
        "topics_subheading": "Emerging contact reasons",
        "alert_share": "The avoidable share {verb} to {observed}, against {expected} on average over the {weeks} weeks before.",
        "alert_type": "{type}: {verb} to {observed} inquiries, against {expected} on average over the {weeks} weeks before.",
        "alert_up_share": "rose",
        "alert_down_share": "fell",
        "alert_up": "rose",
        "alert_down": "fell",
        "topic_line": "{keywords}: {inquiries} inquiries, against {previous} a week before.",
        "topic_named": "{name} ({keywords}): {inquiries} inquiries, against {previous} a week before.",
        "topic_examples": "Examples",
        "alert_mail_subject": "Alert for {process_name}, week {week}",
        "alert_mail_intro": "onodig has found the following in {process_name}:",
        "alert_mail_week": "Week {week} {year}",
    }
)
