"""What the spec cannot say, told to the fuzzer.

OpenAPI 3.0 states types, formats, enums, bounds, lengths, patterns and
alternatives (oneOf/anyOf); the served spec states all of those. A few rules
of the server depend on things a schema cannot refer to: today's date, the
participant's stored journey, another field, or the path. They are answered
with 422 (or 409) naming the field and rule, and listed in docs/DECISIONS.md
("Contract fuzzing"). For *positive* cases (data the fuzzer means to be
valid) this module keeps generated values inside those rules, so that
"schema-valid but refused" findings are real contract gaps and not these
known rules. Negative cases are left untouched, and no check or failure is
filtered.

Each rule below names the server code that enforces it.
"""

from __future__ import annotations

import datetime as dt
import re

import schemathesis
from hypothesis import strategies as st

# Dates are drawn from the last 60 days: not in the future, not before
# 2000-01-01 (domain/src/journey.rs `check_date`, assessment.rs, diary.rs),
# and not before the seeded follow-up period's start, which run.py puts
# 70 days back (store/journey.rs `after_start`).
WINDOW_DAYS = 60


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _date_strings():
    today = _today()
    return st.dates(min_value=today - dt.timedelta(days=WINDOW_DAYS), max_value=today).map(
        dt.date.isoformat
    )


# RFC 3339 instants in the same window, at most a day ahead being allowed
# (diary.rs `not_in_future`), with offsets between -12:00 and +14:00
# (`parse_instant`).
_OFFSETS = [dt.timedelta(hours=h) for h in (-5, 0, 1, 2, 9)]


def _instant_strings():
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return st.builds(
        lambda seconds, offset: (now - dt.timedelta(seconds=seconds))
        .astimezone(dt.timezone(offset))
        .isoformat(),
        st.integers(min_value=3600, max_value=WINDOW_DAYS * 86400),
        st.sampled_from(_OFFSETS),
    )


schemathesis.openapi.format("date", _date_strings())
schemathesis.openapi.format("date-time", _instant_strings())

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _clamp_times(value):
    """The same window for dates and instants the fuzzer took from elsewhere
    (the coverage phase's boundary values, values seen in responses)."""
    if isinstance(value, dict):
        return {k: _clamp_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clamp_times(v) for v in value]
    if not isinstance(value, str):
        return value
    today = _today()
    if _DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        if not today - dt.timedelta(days=WINDOW_DAYS) <= day <= today:
            return today.isoformat()
        return value
    if len(value) >= 20 and value[4:5] == "-" and value[10:11] in "Tt":
        try:
            at = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if at.tzinfo is None:
            return value
        now = dt.datetime.now(dt.timezone.utc)
        if not now - dt.timedelta(days=WINDOW_DAYS) <= at <= now:
            return (now - dt.timedelta(hours=2)).replace(microsecond=0).astimezone(at.tzinfo).isoformat()
    return value

KINDS = ("activity", "food", "sleep", "tobacco", "sitting", "quit_attempt")


def _positive(case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _operation_id(case) -> str | None:
    return case.operation.definition.raw.get("operationId")


def _order(mapping: dict, low: str, high: str) -> None:
    """`from` ≤ `to` (routes/diary.rs `order`, routes/exports.rs `range`)."""
    if isinstance(mapping, dict) and isinstance(mapping.get(low), str) and isinstance(mapping.get(high), str):
        if mapping[low] > mapping[high]:
            mapping[low], mapping[high] = mapping[high], mapping[low]


def _birth_month(value):
    """Not in the future, at most 120 years back (consent.rs `BirthMonth::parse`)."""
    if not isinstance(value, str) or len(value) != 7:
        return value
    today = _today()
    year = int(value[:4])
    if year > today.year - 1 or year < today.year - 110:
        return f"{today.year - 40}-{value[5:]}"
    return value


def _sleep(entry: dict) -> None:
    """A night in order: into bed ≤ tried to sleep < final awakening
    (`occurred_at`) ≤ out of bed, within 24 hours, and SOL + WASO fitting in
    it (diary.rs `validate_sleep`)."""
    sleep = entry.get("sleep")
    awake_raw = entry.get("occurred_at")
    if not isinstance(sleep, dict) or not isinstance(awake_raw, str):
        return
    try:
        awake = dt.datetime.fromisoformat(awake_raw)
    except ValueError:
        return
    sleep["into_bed_at"] = (awake - dt.timedelta(hours=8, minutes=15)).isoformat()
    sleep["tried_to_sleep_at"] = (awake - dt.timedelta(hours=8)).isoformat()
    sleep["out_of_bed_at"] = (awake + dt.timedelta(minutes=10)).isoformat()
    for key in ("minutes_to_fall_asleep", "minutes_awake_after_onset"):
        if isinstance(sleep.get(key), int):
            sleep[key] = min(sleep[key], 240)


def _assessment(body: dict) -> None:
    """Sick leave percent exactly with the status `sick_leave`; no daily
    amounts for former or never use (assessment.rs `check_values`)."""
    work = body.get("work_school")
    if isinstance(work, dict) and isinstance(work.get("status"), list):
        if "sick_leave" in work["status"]:
            if not isinstance(work.get("sick_leave_percent"), int):
                work["sick_leave_percent"] = 50
        else:
            work.pop("sick_leave_percent", None)
    tobacco = body.get("tobacco_status")
    if isinstance(tobacco, dict):
        for status, amount in (("cigarettes", "cigarettes_per_day"), ("snus", "snus_portions_per_day")):
            if tobacco.get(status) in ("former", "never"):
                tobacco.pop(amount, None)


def _release_window(mapping: dict) -> None:
    """One calendar year that has ended, named by `year` or by `from`/`to`
    of the same year (domain/src/releases.rs `ReleaseYear::from_request`)."""
    last = _today().year - 1
    year = mapping.get("year")
    if not isinstance(year, int):
        frm = mapping.get("from")
        year = int(frm[:4]) if isinstance(frm, str) and frm[:4].isdigit() else last
    year = max(2000, min(year, last))
    if mapping.get("from") is not None or mapping.get("to") is not None:
        mapping.pop("year", None)
        mapping["from"], mapping["to"] = f"{year}-01-01", f"{year}-12-31"
    else:
        mapping["year"] = year


def _kind_from_body(case) -> None:
    """The path names the kind whose object the body carries (diary.rs
    `kind_payload`). Also for the spec's examples, which name their kind in
    the body only; a path kind that is no kind at all is left to fail."""
    body = case.body if isinstance(case.body, dict) else None
    if body is None or not isinstance(case.path_parameters, dict):
        return
    if case.path_parameters.get("kind") not in KINDS:
        return
    present = [k for k in KINDS if body.get(k) is not None]
    if len(present) == 1:
        case.path_parameters["kind"] = present[0]


def _hhmm(value) -> int | None:
    if isinstance(value, str) and re.match(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", value):
        return int(value[:2]) * 60 + int(value[3:])
    return None


def _reminders(body: dict) -> None:
    """Each kind once; an enabled reminder has a weekday and is not inside
    the quiet hours, whose start and end differ (reminders.rs
    `RemindersInput::parse`: `unique`, `min_items`, `quiet_hours`, `order`)."""
    quiet = body.get("quiet_hours")
    if isinstance(quiet, dict):
        start, end = _hhmm(quiet.get("start")), _hhmm(quiet.get("end"))
        if start is not None and start == end:
            body["quiet_hours"] = None
            quiet = None
    reminders = body.get("reminders")
    if not isinstance(reminders, list):
        return
    seen, kept = set(), []
    for reminder in reminders:
        if not isinstance(reminder, dict) or reminder.get("kind") in seen:
            continue
        seen.add(reminder.get("kind"))
        if reminder.get("enabled") is True and reminder.get("weekdays") == []:
            reminder["weekdays"] = [1]
        kept.append(reminder)
    body["reminders"] = kept
    if isinstance(quiet, dict):
        start, end = _hhmm(quiet.get("start")), _hhmm(quiet.get("end"))
        for reminder in kept:
            at = _hhmm(reminder.get("time"))
            if reminder.get("enabled") is not True or None in (start, end, at):
                continue
            inside = start <= at < end if start <= end else (at >= start or at < end)
            if inside:
                body["quiet_hours"] = None
                break


@schemathesis.hook
def map_case(context, case):
    operation = _operation_id(case)
    if operation in ("putDiaryEntry", "putProxyDiaryEntry"):
        _kind_from_body(case)
    if not _positive(case):
        return case
    if isinstance(case.body, (dict, list)):
        case.body = _clamp_times(case.body)
    if isinstance(case.query, dict):
        case.query = _clamp_times(case.query)
    body = case.body if isinstance(case.body, dict) else None
    query = case.query if isinstance(case.query, dict) else None

    if operation == "putMyReminders" and body is not None:
        _reminders(body)
    if operation == "startResearchExport" and body is not None:
        _release_window(body)
    if body is not None:
        _sleep(body)
        _assessment(body)
        _order(body, "from", "to")
        if "birth_month" in body:
            body["birth_month"] = _birth_month(body["birth_month"])
    if query is not None:
        _order(query, "from", "to")
        if operation == "getOutcomeTables":
            _release_window(query)
            # At most one of the scopes (exports.rs `exclusive`); each
            # dimension once (`unique`).
            named = [k for k in ("centre_id", "municipality", "county") if query.get(k) is not None]
            for extra in named[1:]:
                query.pop(extra)
            if isinstance(query.get("group_by"), str):
                parts = [p for p in query["group_by"].split(",") if p]
                query["group_by"] = ",".join(dict.fromkeys(parts))
        year = query.get("year")
        if operation == "getKostraReport" and str(year).isdigit():
            # A year that has begun (reports.rs `range`).
            query["year"] = type(year)(min(int(year), _today().year))
    if operation in ("getStaffResources", "setStaffResources") and isinstance(
        case.path_parameters, dict
    ):
        # A year that has begun (reports/kostra.rs `report_year`).
        year = case.path_parameters.get("year")
        if str(year).isdigit():
            case.path_parameters["year"] = type(year)(min(int(year), _today().year))
    if operation in ("putQuitAttempt", "putDiaryEntry", "putProxyDiaryEntry") and body is not None:
        # A price per pack or the old price per unit, not both
        # (diary.rs `not_with_packs`).
        quit = body.get("quit_attempt")
        if isinstance(quit, dict) and quit.get("packs") is not None:
            quit.pop("price_per_unit_nok", None)
        if isinstance(quit, dict) and isinstance(quit.get("packs"), list):
            # Packs only for the attempt's products, each once; an
            # e-cigarette pack says how many days it lasts (diary.rs
            # `in_products`, `unique`, `required`).
            products = quit.get("products") if isinstance(quit.get("products"), list) else []
            seen = set()
            packs = []
            for pack in quit["packs"]:
                if not isinstance(pack, dict):
                    continue
                product = pack.get("product")
                if product not in products or product in seen:
                    continue
                seen.add(product)
                if product == "e_cigarettes" and not isinstance(pack.get("units_per_pack"), int):
                    pack["units_per_pack"] = 7
                packs.append(pack)
            quit["packs"] = packs
    if operation == "setStaffResources" and body is not None:
        # `specified` exactly for `other`, each profession once
        # (kostra.rs `StaffResourcesInput::parse`).
        rows = body.get("resources")
        if isinstance(rows, list):
            seen = set()
            kept = []
            for row in rows:
                if not isinstance(row, dict) or row.get("profession") in seen:
                    continue
                seen.add(row.get("profession"))
                if row.get("profession") == "other":
                    if not (isinstance(row.get("specified"), str) and row["specified"].strip()):
                        row["specified"] = "aktivitetskoordinator"
                else:
                    row.pop("specified", None)
                kept.append(row)
            body["resources"] = kept
    return case
