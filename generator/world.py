"""The simulated municipality: its processes, fees, queues and the people who write in.

Numbers are plausible rather than measured: failure demand at 40-70 % of contacts (Försäkringskassan
about 70 % of calls, Skatteverket's tax line just over 40 %), so each process gets its own share.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessSpec:
    key: str
    weight: float  # share of all inquiries
    avoidable_share: float
    eservice_share: float  # share of the process's inquiries that are e-service submissions
    queues: tuple[str, ...]
    services: tuple[str, ...]
    case_type: str
    case_prefix: str
    decision_days: int  # median days from opened to decided
    invoice_type: str | None
    amount_range: tuple[float, float]


PROCESSES: tuple[ProcessSpec, ...] = (
    ProcessSpec(
        "bygglov",
        0.16,
        0.62,
        0.30,
        ("Bygglov", "Bygg och miljö"),
        ("Ansökan om bygglov", "Anmälan attefallsåtgärd"),
        "Bygglov",
        "BYGG",
        42,
        "Bygglovsavgift",
        (3500, 48000),
    ),
    ProcessSpec(
        "forskola",
        0.18,
        0.58,
        0.25,
        ("Förskola", "Barn och utbildning"),
        ("Ansökan om förskoleplats",),
        "Förskoleplats",
        "BOU",
        60,
        "Barnomsorgsavgift",
        (450, 1688),
    ),
    ProcessSpec(
        "aldreomsorg",
        0.13,
        0.50,
        0.10,
        ("Äldreomsorg", "Hemtjänst"),
        ("Ansökan om hemtjänst", "Ansökan om trygghetslarm"),
        "Hemtjänst",
        "SOC",
        21,
        "Hemtjänstavgift",
        (300, 2604),
    ),
    ProcessSpec(
        "va_avfall",
        0.17,
        0.55,
        0.12,
        ("VA och avfall", "Avfall"),
        ("Beställning av extra sophämtning", "Anmälan om vattenläcka"),
        "Avfallsabonnemang",
        "VA",
        10,
        "VA-avgift",
        (650, 5400),
    ),
    ProcessSpec(
        "forsorjningsstod",
        0.09,
        0.66,
        0.35,
        ("Försörjningsstöd",),
        ("Ansökan om ekonomiskt bistånd",),
        "Ekonomiskt bistånd",
        "SOC",
        14,
        "Återkrav ekonomiskt bistånd",
        (1200, 9500),
    ),
    ProcessSpec(
        "parkering",
        0.10,
        0.45,
        0.30,
        ("Parkering",),
        ("Ansökan om parkeringstillstånd för rörelsehindrade", "Ansökan om boendeparkering"),
        "Parkeringstillstånd",
        "TN",
        28,
        "Felparkeringsavgift",
        (500, 1300),
    ),
    ProcessSpec(
        "bostadsanpassning",
        0.06,
        0.60,
        0.35,
        ("Bostadsanpassning",),
        ("Ansökan om bostadsanpassningsbidrag",),
        "Bostadsanpassning",
        "BAB",
        35,
        None,
        (0, 0),
    ),
    ProcessSpec(
        "gata_park",
        0.11,
        0.35,
        0.35,
        ("Gata och park", "Trafik och gata"),
        ("Felanmälan gata och park", "Ansökan om markupplåtelse"),
        "Felanmälan",
        "GP",
        7,
        "Markupplåtelseavgift",
        (800, 6000),
    ),
)

# How avoidable demand splits between its five types; processes without invoices spread the
# invoice share over the others.
AVOIDABLE_MIX = {
    "invoice_status": 0.24,
    "case_status": 0.32,
    "missing_information": 0.14,
    "duplicate_request": 0.14,
    "processing_time": 0.16,
}

CHANNEL_MIX = {"phone": 0.48, "email": 0.27, "chat": 0.16, "visit": 0.09}
HANDLED_SECONDS = {"phone": 330, "email": 260, "chat": 420, "visit": 600}

FIRST_NAMES = (
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Eva",
    "Per",
    "Sara",
    "Mohammed",
    "Fatima",
    "Olof",
    "Ingrid",
    "Ahmed",
    "Elin",
    "Mikael",
    "Linnéa",
    "Björn",
    "Agnes",
    "Yusuf",
    "Sofia",
    "Gunnar",
    "Aisha",
    "Håkan",
    "Emma",
    "Nils",
    "Astrid",
    "Jonas",
    "Leila",
    "Göran",
)
LAST_NAMES = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Lindqvist",
    "Åberg",
    "Öberg",
    "Hassan",
    "Ali",
    "Berglund",
    "Sandström",
    "Lundgren",
    "Holm",
    "Mäkinen",
    "Nowak",
    "Ström",
)
STREETS = (
    "Storgatan",
    "Skolvägen",
    "Järlavägen",
    "Ektorpsvägen",
    "Vikdalsvägen",
    "Saltsjöbadsvägen",
    "Värmdövägen",
    "Älta gränd",
    "Kyrkvägen",
    "Fisksätravägen",
    "Sickla allé",
    "Orminge centrum",
)

EMAIL_GREETINGS = (
    "Hej!",
    "Hej,",
    "Hejsan!",
    "God dag,",
    "Hej Nacka kommun,",
    "Hej kundcenter!",
    "Hallå,",
    "Hello,",
    "",
)
EMAIL_SIGNOFFS = (
    "Mvh",
    "Med vänlig hälsning",
    "Vänliga hälsningar",
    "Hälsningar",
    "Tack på förhand!",
    "MVH",
    "Best regards,",
)
CHAT_OPENERS = ("", "", "hej! ", "hej ", "hallå ", "hi ", "tjena, ")
NOTE_PREFIXES = ("", "", "", "Inkommande samtal. ", "Samtal: ", "Besök i receptionen. ")
