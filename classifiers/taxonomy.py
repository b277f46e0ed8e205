"""The six demand types of ../shared/taxonomy.md: the keys every table and report uses."""

DEMAND_TYPES = (
    "invoice_status",
    "case_status",
    "missing_information",
    "duplicate_request",
    "processing_time",
    "value_demand",
)
AVOIDABLE = frozenset(DEMAND_TYPES[:5])
SWEDISH_NAMES = {
    "invoice_status": "Fakturastatus",
    "case_status": "Ärendestatus",
    "missing_information": "Komplettering",
    "duplicate_request": "Dubblettkontakt",
    "processing_time": "Handläggningstid",
    "value_demand": "Värdeefterfrågan",
}
