"""A seeded landing folder in the contract's format, with the truth beside it.

Each inquiry is drawn with its true demand type first; the records that would explain it (a case
with its events, an invoice with its payment and reminder, an earlier submission) are then made to
fit, and its text is taken from a phrase bank written apart from the classifier's corpus.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import yaml

from onodig.generator.text import add_noise, dress, fill_slots
from onodig.generator.world import AVOIDABLE_MIX, CHANNEL_MIX, HANDLED_SECONDS, PROCESSES, STREETS, ProcessSpec
from onodig.reports.texts import MONTHS

COLUMNS = {
    "contacts": [
        "contact_id",
        "channel",
        "started_at",
        "citizen_id",
        "queue",
        "handled_seconds",
        "case_ref",
        "invoice_ref",
        "text",
    ],
    "eservice": ["submission_id", "submitted_at", "citizen_id", "service", "case_ref", "text"],
    "cases": ["case_ref", "case_type", "citizen_id", "event", "event_at"],
    "invoices": [
        "invoice_ref",
        "citizen_id",
        "invoice_type",
        "issued_at",
        "due_date",
        "amount_sek",
        "paid_at",
        "reminder_at",
    ],
}
TRUTH_COLUMNS = ["inquiry_id", "source", "process", "demand_type", "occurred_at", "expect"]


@dataclass
class GeneratorConfig:
    weeks: int = 12
    per_week: int = 1000
    seed: int = 7
    start: date = date(2026, 8, 31)  # a Monday
    quirks: bool = True
    duplicate_window_days: int = 14
    # re-submissions of recent e-service applications on the Monday and Tuesday after the last week:
    # exports end on a Sunday, but a submission system delivers what came in since
    stragglers: int = 0


@dataclass
class Citizen:
    pnr: str
    cases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # process -> case refs


def load_phrases(path: Path | None = None) -> dict:
    if path is None:
        text = resources.files("onodig.generator").joinpath("phrases.yaml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _luhn_digit(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def fake_personnummer(rng: random.Random) -> str:
    born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 70))
    serial = f"{rng.randrange(1000):03d}"
    yymmdd = born.strftime("%y%m%d")
    check = _luhn_digit(yymmdd + serial) if rng.random() < 0.9 else rng.randrange(10)
    full = born.strftime("%Y%m%d")
    shape = rng.randrange(4)
    return [
        f"{full}-{serial}{check}",
        f"{yymmdd}-{serial}{check}",
        f"{full}{serial}{check}",
        f"{yymmdd}{serial}{check}",
    ][shape]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _fmt(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M")


def _amount(value: float) -> str:
    whole, frac = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{grouped},{frac}"


class _World:
    def __init__(self, config: GeneratorConfig, phrases: dict):
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.phrases = phrases
        self.end = datetime.combine(config.start + timedelta(weeks=config.weeks), datetime.min.time())
        self.rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
        self.truth: list[dict] = []
        self.citizens: list[Citizen] = [
            Citizen(fake_personnummer(self.rng)) for _ in range(max(50, config.per_week * 2))
        ]
        self.case_seq = 0
        self.invoice_seq = 7000000
        self.contact_seq = 0
        self.submission_seq = 0
        self.case_info: dict[str, dict] = {}
        self.submissions: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)

    # --- records -------------------------------------------------------------------------
    def new_case(
        self,
        spec: ProcessSpec,
        citizen: Citizen,
        opened: datetime,
        completion: bool | None = None,
        completion_at: datetime | None = None,
    ) -> str:
        self.case_seq += 1
        ref = f"{spec.case_prefix} {opened.year}-{self.case_seq:06d}"
        rng = self.rng
        events = [("opened", opened)]
        t = opened
        if completion_at is not None or (completion if completion is not None else rng.random() < 0.3):
            t = completion_at or t + timedelta(days=rng.uniform(2, 9), hours=rng.uniform(0, 6))
            events.append(("completion_requested", t))
            t = t + timedelta(days=rng.uniform(3, 18))
            events.append(("completed", t))
        decided = opened + timedelta(days=max(1.0, rng.gauss(spec.decision_days, spec.decision_days * 0.35)))
        decided = max(decided, t + timedelta(days=1))
        events += [("decided", decided), ("closed", decided + timedelta(days=rng.uniform(0.5, 5)))]
        for event, at in events:
            if at < self.end:
                self.rows["cases"].append(
                    {
                        "case_ref": ref,
                        "case_type": spec.case_type,
                        "citizen_id": citizen.pnr,
                        "event": event,
                        "event_at": _fmt(at),
                    }
                )
        self.case_info[ref] = {"opened": opened, "decided": decided, "events": events}
        citizen.cases[spec.key].append(ref)
        return ref

    def new_invoice(self, spec: ProcessSpec, citizen: Citizen, issued: datetime, paid_before: datetime | None) -> str:
        rng = self.rng
        self.invoice_seq += rng.randrange(1, 5)
        ref = str(self.invoice_seq)
        due = (issued + timedelta(days=30)).date()
        paid = None
        reminder = None
        if paid_before is not None and rng.random() < 0.6:
            paid = issued + timedelta(days=rng.uniform(1, max(1.5, (paid_before - issued).days)))
        elif rng.random() < 0.75:
            paid = issued + timedelta(days=rng.uniform(5, 45))
        if (paid is None or paid.date() > due or rng.random() < 0.15) and rng.random() < 0.7:
            reminder = datetime.combine(due, datetime.min.time()) + timedelta(days=rng.randint(8, 14), hours=7)
        self.rows["invoices"].append(
            {
                "invoice_ref": ref,
                "citizen_id": citizen.pnr,
                "invoice_type": spec.invoice_type,
                "issued_at": _fmt(issued),
                "due_date": due.isoformat(),
                "amount_sek": _amount(rng.uniform(*spec.amount_range)),
                "paid_at": _fmt(paid) if paid and paid < self.end else "",
                "reminder_at": _fmt(reminder) if reminder and reminder < self.end else "",
            }
        )
        return ref

    # --- inquiries -----------------------------------------------------------------------
    def when(self, day: date, channel: str) -> datetime:
        rng = self.rng
        if channel in ("phone", "visit"):
            while day.weekday() >= 5:
                day = day - timedelta(days=1)
            minutes = rng.randrange(8 * 60, 16 * 60 + 30)
        else:
            minutes = rng.randrange(6 * 60, 23 * 60)
        return datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)

    def text_for(
        self, label: str, spec: ProcessSpec, channel: str, slots: dict[str, str], citizen: Citizen | None
    ) -> str:
        style = "note" if channel in ("phone", "visit") else "message"
        pool = self.phrases["texts"][label][spec.key][style]
        phrase = fill_slots(self.rng.choice(pool), slots)
        return add_noise(dress(phrase, channel, self.rng, citizen.pnr if citizen else None), self.rng, channel)

    def slots(self, at: datetime, case_ref: str = "", invoice_ref: str = "", amount: str = "") -> dict[str, str]:
        past = at - timedelta(days=self.rng.randint(2, 20))
        return {
            "case_ref": case_ref or "mitt ärende",
            "invoice_ref": invoice_ref or "",
            "amount": amount or "beloppet",
            "date": f"den {past.day} {MONTHS['sv'][past.month - 1]}",
            "street": f"{self.rng.choice(STREETS)} {self.rng.randint(1, 60)}",
        }

    def contact(self, spec: ProcessSpec, day: date) -> None:
        rng = self.rng
        avoidable = rng.random() < spec.avoidable_share
        mix = {k: v for k, v in AVOIDABLE_MIX.items() if spec.invoice_type or k != "invoice_status"}
        label = _weighted(rng, mix) if avoidable else "value_demand"
        channel = _weighted(rng, CHANNEL_MIX)
        at = self.when(day, channel)
        citizen = rng.choice(self.citizens) if label == "processing_time" or rng.random() > 0.08 else None
        if label != "processing_time" and label != "value_demand" and citizen is None:
            citizen = rng.choice(self.citizens)
        case_ref = invoice_ref = amount = ""
        if label in ("case_status", "missing_information", "duplicate_request"):
            back = timedelta(days=rng.uniform(3, spec.decision_days * 1.6))
            if label == "missing_information":
                back = timedelta(days=rng.uniform(6, 16))
            opened = at - back
            requested = None
            if label == "missing_information":  # the completion letter went out shortly before the contact
                requested = max(at - timedelta(days=rng.uniform(1, 10)), opened + timedelta(hours=2))
            case_ref = self.new_case(spec, citizen, opened, completion_at=requested)
        elif label == "invoice_status" and spec.invoice_type and rng.random() > 0.05:
            invoice_ref = self.invoice_behind_contact(spec, citizen, at)
            amount = self.rows["invoices"][-1]["amount_sek"] + " kr"
        elif label == "processing_time" and rng.random() < 0.5:
            citizen = None
        if label == "duplicate_request" and at - timedelta(days=10) > datetime.combine(
            self.cfg.start, datetime.min.time()
        ):
            # what it repeats: the same citizen asked about the same case a few days earlier
            earlier = at - timedelta(days=rng.uniform(1, 10), minutes=rng.randint(0, 600))
            self.add_contact(spec, "case_status", earlier, citizen, case_ref, "", "")
        self.add_contact(spec, label, at, citizen, case_ref, invoice_ref, amount, channel)

    def invoice_behind_contact(self, spec: ProcessSpec, citizen: Citizen, at: datetime) -> str:
        """An invoice whose history explains why the citizen asks: paid already, a reminder after
        payment, freshly issued, or a reminder for an unpaid invoice."""
        rng = self.rng
        scenario = _weighted(
            rng, {"paid_before": 0.35, "reminder_after_payment": 0.15, "fresh": 0.3, "reminder_unpaid": 0.2}
        )
        if scenario == "fresh":
            issued, paid, reminder = at - timedelta(days=rng.uniform(0.5, 6)), None, None
        elif scenario == "paid_before":
            issued = at - timedelta(days=rng.uniform(8, 40))
            paid, reminder = issued + (at - issued) * rng.uniform(0.2, 0.9), None
        else:
            issued = at - timedelta(days=rng.uniform(42, 60))
            reminder = at - timedelta(days=rng.uniform(1, 8))
            paid = reminder - timedelta(days=rng.uniform(1, 6)) if scenario == "reminder_after_payment" else None
        self.invoice_seq += rng.randrange(1, 5)
        ref = str(self.invoice_seq)
        self.rows["invoices"].append(
            {
                "invoice_ref": ref,
                "citizen_id": citizen.pnr,
                "invoice_type": spec.invoice_type,
                "issued_at": _fmt(issued),
                "due_date": (issued + timedelta(days=30)).date().isoformat(),
                "amount_sek": _amount(rng.uniform(*spec.amount_range)),
                "paid_at": _fmt(paid) if paid else "",
                "reminder_at": _fmt(reminder) if reminder else "",
            }
        )
        return ref

    def add_contact(self, spec, label, at, citizen, case_ref, invoice_ref, amount, channel=None) -> None:
        rng = self.rng
        channel = channel or _weighted(rng, CHANNEL_MIX)
        self.contact_seq += 1
        cid = f"C{self.contact_seq:07d}"
        slots = self.slots(at, case_ref, invoice_ref, amount)
        text = self.text_for(label, spec, channel, slots, citizen)
        handled = int(rng.lognormvariate(0, 0.45) * HANDLED_SECONDS[channel])
        self.rows["contacts"].append(
            {
                "contact_id": cid,
                "channel": channel,
                "started_at": _fmt(at) if rng.random() > 0.1 else at.strftime("%Y-%m-%d %H:%M:%S"),
                "citizen_id": citizen.pnr if citizen else "",
                "queue": rng.choice(spec.queues),
                "handled_seconds": "" if rng.random() < 0.1 else str(handled),
                "case_ref": case_ref if rng.random() < 0.5 else "",
                "invoice_ref": invoice_ref if rng.random() < 0.5 else "",
                "text": text,
            }
        )
        self.truth.append(
            {
                "inquiry_id": f"contacts:{cid}",
                "source": "contacts",
                "process": spec.key,
                "demand_type": label,
                "occurred_at": _fmt(at),
                "expect": "inquiry",
            }
        )

    def submission(self, spec: ProcessSpec, day: date) -> None:
        rng = self.rng
        at = self.when(day, "eservice")
        service = rng.choice(spec.services)
        window = timedelta(days=self.cfg.duplicate_window_days)
        label = "value_demand"
        citizen = rng.choice(self.citizens)
        case_ref = ""
        text = ""
        candidates = [
            (c, s)
            for c in rng.sample(self.citizens, min(40, len(self.citizens)))
            for s in self.submissions.get((c.pnr, service), [])[-1:]
        ]
        repeat = None
        roll = rng.random()
        if roll < 0.14:  # a re-submission inside the window, before any decision: behavioural duplicate
            repeat = next(
                (
                    (c, s)
                    for c, s in candidates
                    if timedelta(days=1) < at - s[0] < window - timedelta(days=1)
                    and self.case_info[s[1]]["decided"] > at
                ),
                None,
            )
            label = "duplicate_request" if repeat else label
        elif roll < 0.18:  # the same service again, but after the window: a new application
            repeat = next(((c, s) for c, s in candidates if at - s[0] > window + timedelta(days=1)), None)
        if repeat:
            citizen, (_, case_ref) = repeat
            if label == "duplicate_request" and rng.random() < 0.5:
                text = rng.choice(self.phrases["resubmission_comments"])
        if label == "value_demand" and not repeat:
            # a fresh application: from someone with no submission of this service near in time,
            # else by the taxonomy's rule it would be a duplicate, not a new application
            for _ in range(50):
                recent = self.submissions.get((citizen.pnr, service), [])
                if all(abs(at - when) > window + timedelta(days=1) for when, _ in recent):
                    break
                citizen = rng.choice(self.citizens)
        if label == "value_demand":
            case_ref = self.new_case(spec, citizen, at + timedelta(minutes=rng.randint(1, 600)))
            if rng.random() < 0.45:
                text = rng.choice(self.phrases["eservice_comments"][spec.key])
        self.submissions[(citizen.pnr, service)].append((at, case_ref))
        self.submission_seq += 1
        sid = f"E{self.submission_seq:07d}"
        self.rows["eservice"].append(
            {
                "submission_id": sid,
                "submitted_at": _fmt(at),
                "citizen_id": citizen.pnr,
                "service": service,
                "case_ref": case_ref,
                "text": add_noise(text, rng, "eservice") if text else "",
            }
        )
        self.truth.append(
            {
                "inquiry_id": f"eservice:{sid}",
                "source": "eservice",
                "process": spec.key,
                "demand_type": label,
                "occurred_at": _fmt(at),
                "expect": "inquiry",
            }
        )

    def straggler(self) -> None:
        """A re-submission on the Monday or Tuesday after the last week, of an application still
        waiting for its decision: a behavioural duplicate, like those inside the weeks."""
        rng = self.rng
        at = self.when(self.end.date() + timedelta(days=rng.randrange(2)), "eservice")
        window = timedelta(days=self.cfg.duplicate_window_days)
        waiting = [
            (pnr, service, when, case_ref)
            for (pnr, service), earlier in self.submissions.items()
            for when, case_ref in earlier[-1:]
            if timedelta(days=1) < at - when < window - timedelta(days=1)
            and case_ref in self.case_info
            and self.case_info[case_ref]["decided"] > at
        ]
        if not waiting:
            return
        pnr, service, _, case_ref = rng.choice(sorted(waiting))
        spec = next(spec for spec in PROCESSES if service in spec.services)
        self.submissions[(pnr, service)].append((at, case_ref))
        self.submission_seq += 1
        sid = f"E{self.submission_seq:07d}"
        self.rows["eservice"].append(
            {
                "submission_id": sid,
                "submitted_at": _fmt(at),
                "citizen_id": pnr,
                "service": service,
                "case_ref": case_ref,
            }
        )
        self.truth.append(
            {
                "inquiry_id": f"eservice:{sid}",
                "source": "eservice",
                "process": spec.key,
                "demand_type": "duplicate_request",
                "occurred_at": _fmt(at),
                "expect": "inquiry",
            }
        )

    def background_invoices(self, day: date) -> None:
        rng = self.rng
        for spec in PROCESSES:
            if not spec.invoice_type:
                continue
            for _ in range(max(1, int(self.cfg.per_week * spec.weight * 0.06))):
                issued = datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(6, 18))
                self.new_invoice(spec, rng.choice(self.citizens), issued, paid_before=None)

    def simulate(self) -> None:
        rng = self.rng
        weights = {spec: spec.weight for spec in PROCESSES}
        for week in range(self.cfg.weeks):
            monday = self.cfg.start + timedelta(weeks=week)
            self.background_invoices(monday)
            draws = sorted(
                (
                    (monday + timedelta(days=rng.randrange(7)), _weighted(rng, weights))
                    for _ in range(self.cfg.per_week)
                ),
                key=lambda d: d[0],
            )
            for day, spec in draws:  # in time order, so "the previous submission" is well defined
                if rng.random() < spec.eservice_share:
                    self.submission(spec, day)
                else:
                    self.contact(spec, day)
        for _ in range(self.cfg.stragglers):
            self.straggler()


def _day_of(source: str, row: dict) -> str:
    column = {"contacts": "started_at", "eservice": "submitted_at", "cases": "event_at", "invoices": "issued_at"}[
        source
    ]
    return row[column][:10]


def _csv_bytes(rows: list[dict], columns: list[str], delimiter: str, encoding: str, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" + data) if bom else data


def _bad_rows(world: _World) -> list[dict]:
    """Rows that break the contract, one of each kind, for the quarantine to catch."""
    contacts = world.rows["contacts"]
    if len(contacts) < 10:
        return []
    bad = []
    template = dict(contacts[len(contacts) // 2])
    for i, (change, note) in enumerate(
        [
            ({"text": ""}, "missing text"),
            ({"started_at": "2026-13-45 25:61"}, "bad timestamp"),
            ({"channel": "fax"}, "unknown channel"),
            ({"handled_seconds": "tre minuter"}, "bad integer"),
        ]
    ):
        row = dict(template, contact_id=f"CBAD{i:03d}", **change)
        bad.append(row)
        world.truth.append(
            {
                "inquiry_id": f"contacts:{row['contact_id']}",
                "source": "contacts",
                "process": "",
                "demand_type": "",
                "occurred_at": "",
                "expect": f"quarantine: {note}",
            }
        )
    clash = dict(contacts[3], text="Helt annan text med samma id.")
    bad.append(clash)
    world.truth.append(
        {
            "inquiry_id": f"contacts:{clash['contact_id']}#clash",
            "source": "contacts",
            "process": "",
            "demand_type": "",
            "occurred_at": "",
            "expect": "quarantine: duplicate id",
        }
    )
    return bad


def write_landing(
    config: GeneratorConfig, landing: Path, truth_path: Path, phrases_path: Path | None = None
) -> dict[str, int]:
    world = _World(config, load_phrases(phrases_path))
    world.simulate()
    rng = random.Random(config.seed + 1)
    landing.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    bad = _bad_rows(world) if config.quirks else []
    written: list[Path] = []
    for source, columns in COLUMNS.items():
        folder = landing / source
        folder.mkdir(parents=True, exist_ok=True)
        by_day: dict[str, list[dict]] = defaultdict(list)
        for row in world.rows[source]:
            by_day[_day_of(source, row)].append(row)
        if bad and source == "contacts":
            last_day = max(by_day)
            by_day[last_day].extend(bad)
        for day, rows in sorted(by_day.items()):
            delimiter, encoding, bom, gz = ";", "utf-8", False, False
            if config.quirks:
                delimiter = "," if rng.random() < 0.1 else ";"
                roll = rng.random()
                encoding, bom = ("cp1252", False) if roll < 0.1 else ("utf-8", roll < 0.3)
                gz = rng.random() < 0.15
                if rng.random() < 0.08:
                    for row in rows:
                        for col in ("started_at", "submitted_at", "event_at"):
                            if row.get(col):
                                row[col] = (
                                    row[col].replace(" ", "T")[:16] + ":00+01:00"
                                    if row[col][5:7] in ("11", "12", "01", "02")
                                    else row[col]
                                )
            data = _csv_bytes(rows, columns, delimiter, encoding, bom)
            path = folder / f"{source}_{day.replace('-', '')}.csv{'.gz' if gz else ''}"
            path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
            written.append(path)
        counts[source] = len(world.rows[source])

    if config.quirks:
        contacts_files = sorted((landing / "contacts").glob("contacts_*.csv"))
        if contacts_files:  # the same export delivered twice under another name
            original = contacts_files[len(contacts_files) // 2]
            shutil.copyfile(original, original.with_name(original.name.replace(".csv", "_resend.csv")))
        # a truncated gzip: its rows were never delivered readable, so they are not in the truth
        lost = _csv_bytes(
            [dict(world.rows["contacts"][0], contact_id="CLOST0001")], COLUMNS["contacts"], ";", "utf-8", False
        )
        packed = gzip.compress(lost * 50, mtime=0)
        (landing / "contacts" / "contacts_truncated.csv.gz").write_bytes(packed[: len(packed) // 2])
        world.truth.append(
            {
                "inquiry_id": "contacts:CLOST0001",
                "source": "contacts",
                "process": "",
                "demand_type": "",
                "occurred_at": "",
                "expect": "quarantine: truncated file",
            }
        )

    truth_path.parent.mkdir(parents=True, exist_ok=True)
    with truth_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRUTH_COLUMNS)
        writer.writeheader()
        writer.writerows(world.truth)
    counts["inquiries"] = sum(1 for t in world.truth if t["expect"] == "inquiry")
    return counts


def sample_texts(n: int, seed: int = 11, phrases_path: Path | None = None) -> list[tuple[str, str]]:
    """``n`` contact texts as the generator writes them, with their true demand type (for benchmarks)."""
    world = _World(GeneratorConfig(per_week=max(1, n), seed=seed), load_phrases(phrases_path))
    rng = world.rng
    weights = {spec: spec.weight for spec in PROCESSES}
    out = []
    for _ in range(n):
        spec = _weighted(rng, weights)
        mix = {k: v for k, v in AVOIDABLE_MIX.items() if spec.invoice_type or k != "invoice_status"}
        label = _weighted(rng, mix) if rng.random() < spec.avoidable_share else "value_demand"
        channel = _weighted(rng, CHANNEL_MIX)
        at = world.when(world.cfg.start, channel)
        citizen = rng.choice(world.citizens)
        out.append((world.text_for(label, spec, channel, world.slots(at), citizen), label))
    return out
