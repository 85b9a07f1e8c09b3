"""The phone core's user stories through the generated Python bindings.

Each story drives the SDK exactly as a Kotlin or Swift app would (the same
uniffi facade), against the real server that `friskliv-testkit` runs on a
random loopback port and a fresh database (FRISKLIV_TEST_BACKEND: sqlite or
postgres). The testkit also plays the phone platform's passkey API with a
software passkey, so every sign-in is a real WebAuthn ceremony.

Run with mobile-sdk/ffi/tests/python/run.sh (it builds the library and the
testkit and generates the bindings first).
"""

import asyncio
import json
import os
import subprocess
import tempfile
import threading
import unittest

from friskliv_bindings.friskliv import FrisklivClient, parse_entry_kind
from friskliv_bindings.friskliv_domain import (
    Activity,
    ActivityType,
    ConsentScope,
    DiaryEntryInput,
    EntryKind,
    Food,
    Intensity,
    Meal,
    Sitting,
    Sleep,
    Tobacco,
    CessationMedication,
)
from friskliv_bindings.friskliv_sdk import ConflictReason, SdkError, SessionStorage

BACKEND = os.environ.get("FRISKLIV_TEST_BACKEND", "sqlite")
TESTKIT = os.environ["FRISKLIV_TESTKIT"]


class Testkit:
    """The real server and the platform's passkeys, over JSON lines."""

    def __init__(self):
        self.process = subprocess.Popen(
            [TESTKIT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.lock = threading.Lock()
        self.base_url = self.call("start", backend=BACKEND)["base_url"]

    def call(self, cmd, **args):
        with self.lock:
            self.process.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"testkit {cmd}: {answer['error']}")
        return answer

    def request(self, method, path, token=None, body=None, as_=None):
        return self.call("request", method=method, path=path, token=token, body=body, **{"as": as_})

    def close(self):
        try:
            self.call("quit")
        except Exception:
            pass
        self.process.wait(timeout=60)
        self.process.stdin.close()
        self.process.stdout.close()


class Keychain(SessionStorage):
    """The platform's secure storage (Keystore / Keychain) in memory."""

    def __init__(self):
        self.token = None

    def load_token(self):
        return self.token

    def store_token(self, token):
        self.token = token


def entry(occurred_at, **kind):
    """A DiaryEntryInput with one kind's payload; every field not given has
    its default (the SDK sets the version)."""
    return DiaryEntryInput(occurred_at=occurred_at, time_zone="Europe/Oslo", **kind)


def walk(day, minutes):
    return entry(
        f"{day}T07:30:00+02:00",
        activity=Activity(
            activity_type=ActivityType.WALKING, duration_minutes=minutes, intensity=Intensity.MODERATE
        ),
    )


def meal(day, portions):
    return entry(
        f"{day}T12:00:00+02:00",
        food=Food(meal=Meal.LUNCH, description="Grovbrød med makrell", veg_fruit_portions=portions,
                  whole_grain=True, water_glasses=2),
    )


def night(day):
    return entry(
        f"{day}T06:45:00+02:00",
        sleep=Sleep(
            into_bed_at=f"{day}T00:10:00+02:00",
            tried_to_sleep_at=f"{day}T00:20:00+02:00",
            minutes_to_fall_asleep=15,
            awakenings=1,
            minutes_awake_after_onset=10,
            out_of_bed_at=f"{day}T07:00:00+02:00",
            quality=4,
        ),
    )


def smoke_free_day(day):
    return entry(
        f"{day}T21:00:00+02:00",
        tobacco=Tobacco(
            cigarettes=0,
            snus_portions=1,
            e_cigarette=False,
            craving=3,
            triggers=["kaffe"],
            cessation_medication=CessationMedication.NICOTINE_REPLACEMENT,
        ),
    )


def sitting(day, hours):
    return entry(f"{day}T22:00:00+02:00", sitting=Sitting(hours=hours))


WEEK = [f"2026-05-{d:02d}" for d in range(4, 11)]


class Phone:
    """The SDK on its own SQLite file, as one phone of the participant."""

    def __init__(self, kit, folder, name, passkeys=None):
        self.kit = kit
        self.keychain = Keychain()
        self.passkeys = passkeys or name
        self.sdk = FrisklivClient(kit.base_url, os.path.join(folder, f"{name}.sqlite"), self.keychain)

    async def register(self, code):
        ceremony = await self.sdk.start_registration(code, "Kari Deltaker", "Telefon")
        credential = self.kit.call(
            "passkey_create", device=self.passkeys, options_json=ceremony.options_json
        )["credential_json"]
        account = await self.sdk.finish_registration(ceremony.ceremony_id, credential)
        assert account.role == "participant"
        assert self.keychain.token, "the token went to the keychain"
        return account

    async def sign_in(self):
        ceremony = await self.sdk.start_sign_in()
        credential = self.kit.call(
            "passkey_get", device=self.passkeys, options_json=ceremony.options_json
        )["credential_json"]
        return await self.sdk.finish_sign_in(ceremony.ceremony_id, credential)

    def local_versions(self):
        return sorted(
            (e.entry_id, e.version) for kind in EntryKind for e in self.sdk.entries(kind, None, None)
        )


def server_feed(kit, token):
    """The server's live entries and tombstones, from the change feed."""
    live, tombstones, cursor = [], 0, None
    while True:
        path = "/v1/me/changes?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        page = kit.request("GET", path, token=token)
        assert page["status"] == 200, page
        for change in page["body"]["changes"]:
            if change["deleted"]:
                tombstones += 1
            else:
                live.append(change)
        cursor = page["body"]["next_cursor"]
        if not page["body"]["has_more"]:
            return live, tombstones


def server_versions(kit, token):
    live, _ = server_feed(kit, token)
    return sorted((e["entry_id"], e["version"]) for e in live)


class Stories(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.kit = Testkit()
        self.folder = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.kit.close()
        self.folder.cleanup()

    def phone(self, name, passkeys=None):
        return Phone(self.kit, self.folder.name, name, passkeys)

    def invite(self):
        return self.kit.call("participant_invite")["code"]

    async def test_a_week_logged_offline_reaches_the_server_once(self):
        phone = self.phone("kari")
        await phone.register(self.invite())
        online = await phone.sdk.progress()
        self.assertFalse(online.from_cache)

        self.kit.call("stop")
        written = []
        for day in WEEK:
            written.append(phone.sdk.save_entry(EntryKind.ACTIVITY, None, walk(day, 40)))
            written.append(phone.sdk.save_entry(EntryKind.FOOD, None, meal(day, 3)))
            written.append(phone.sdk.save_entry(EntryKind.SLEEP, None, night(day)))
            written.append(phone.sdk.save_entry(EntryKind.TOBACCO, None, smoke_free_day(day)))
            written.append(phone.sdk.save_entry(EntryKind.SITTING, None, sitting(day, 7.5)))
        self.assertEqual(len(written), 35)
        self.assertTrue(all(e.pending and e.version == 1 for e in written))
        # Readable at once, offline: the day view and a diary's list.
        self.assertEqual(len(phone.sdk.day("2026-05-04")), 5)
        self.assertEqual(
            [e.diary_day for e in phone.sdk.entries(EntryKind.SLEEP, "2026-05-05", "2026-05-06")],
            ["2026-05-05", "2026-05-06"],
        )
        # An edit collapses into the queued item; a delete is a tombstone.
        edited = phone.sdk.save_entry(EntryKind.ACTIVITY, written[0].entry_id, walk(WEEK[0], 55))
        self.assertEqual(edited.version, 2)
        phone.sdk.delete_entry(written[1].entry_id)
        self.assertEqual(phone.sdk.pending_count(), 35)

        with self.assertRaises(SdkError.Offline):
            await phone.sdk.sync()
        self.assertEqual(phone.sdk.pending_count(), 35)
        cached = await phone.sdk.progress()
        self.assertTrue(cached.from_cache)
        self.assertEqual(cached.fetched_at, online.fetched_at)

        self.kit.call("restart")
        report = await phone.sdk.sync()
        self.assertEqual((report.pushed, report.conflicts, report.rejected, report.pending), (35, 0, 0, 0))
        live, tombstones = server_feed(self.kit, phone.keychain.token)
        self.assertEqual((len(live), tombstones), (34, 1))
        self.assertEqual(len({e["entry_id"] for e in live}), 34, "each entry once")
        walk_on_server = next(e for e in live if e["entry_id"] == written[0].entry_id)
        self.assertEqual((walk_on_server["version"], walk_on_server["activity"]["duration_minutes"]), (2, 55))
        self.assertEqual(phone.local_versions(), server_versions(self.kit, phone.keychain.token))
        again = await phone.sdk.sync()
        self.assertEqual((again.pushed, again.unchanged, again.pulled), (0, 0, 0))

    async def test_two_devices_converge_after_edits_and_a_delete_on_each(self):
        a = self.phone("phone", passkeys="kari-passkeys")
        await a.register(self.invite())
        b = self.phone("tablet", passkeys="kari-passkeys")
        await b.sign_in()
        entries = [a.sdk.save_entry(EntryKind.ACTIVITY, None, walk(day, 30)) for day in WEEK[:4]]
        await a.sdk.sync()
        self.assertEqual((await b.sdk.sync()).pulled, 4)

        a.sdk.save_entry(EntryKind.ACTIVITY, entries[0].entry_id, walk(WEEK[0], 60))
        a.sdk.delete_entry(entries[1].entry_id)
        b.sdk.save_entry(EntryKind.ACTIVITY, entries[2].entry_id, walk(WEEK[2], 45))
        b.sdk.delete_entry(entries[3].entry_id)
        await a.sdk.sync()
        await b.sdk.sync()
        await a.sdk.sync()

        server = server_versions(self.kit, a.keychain.token)
        self.assertEqual(len(server), 2)
        self.assertEqual(a.local_versions(), server)
        self.assertEqual(b.local_versions(), server)
        self.assertEqual(b.sdk.entry(entries[0].entry_id).entry.activity.duration_minutes, 60)
        self.assertEqual(a.sdk.entry(entries[2].entry_id).entry.activity.duration_minutes, 45)
        self.assertIsNone(a.sdk.entry(entries[3].entry_id))
        self.assertIsNone(b.sdk.entry(entries[1].entry_id))

    async def test_a_conflicting_edit_is_surfaced_not_lost(self):
        a = self.phone("phone", passkeys="kari-passkeys")
        await a.register(self.invite())
        b = self.phone("tablet", passkeys="kari-passkeys")
        await b.sign_in()
        shared = a.sdk.save_entry(EntryKind.ACTIVITY, None, walk(WEEK[2], 30))
        await a.sdk.sync()
        await b.sdk.sync()
        a.sdk.save_entry(EntryKind.ACTIVITY, shared.entry_id, walk(WEEK[2], 50))
        b.sdk.save_entry(EntryKind.ACTIVITY, shared.entry_id, walk(WEEK[2], 75))
        await a.sdk.sync()
        self.assertEqual((await b.sdk.sync()).conflicts, 1)

        self.assertEqual(b.sdk.entry(shared.entry_id).entry.activity.duration_minutes, 50)
        [conflict] = b.sdk.conflicts()
        self.assertEqual(conflict.reason, ConflictReason.CONFLICT)
        self.assertEqual(conflict.local.activity.duration_minutes, 75)
        self.assertEqual(conflict.server.activity.duration_minutes, 50)
        reapplied = b.sdk.reapply_conflict(conflict.id)
        self.assertEqual(reapplied.version, 3)
        await b.sdk.sync()
        await a.sdk.sync()
        self.assertEqual(a.sdk.entry(shared.entry_id).entry.activity.duration_minutes, 75)
        self.assertEqual(b.sdk.conflicts(), [])

    async def test_a_veileders_proxy_entry_appears_on_the_phone(self):
        phone = self.phone("kari")
        account = await phone.register(self.invite())
        await phone.sdk.grant_consent(ConsentScope.ENTRIES)
        centre = self.kit.call("participant_invite")["centre_id"]
        entry_id = "0190a8f0-0000-7000-8000-000000000001"
        put = self.kit.request(
            "PUT",
            f"/v1/centres/{centre}/participants/{account.account_id}/diary/food/{entry_id}",
            as_="veileder",
            body={"version": 1, "occurred_at": "2026-05-05T12:00:00+02:00",
                  "food": {"meal": "lunch", "veg_fruit_portions": 2}},
        )
        self.assertEqual(put["status"], 200, put)
        self.assertEqual((await phone.sdk.sync()).pulled, 1)
        proxied = phone.sdk.entry(entry_id)
        self.assertIsNotNone(proxied.proxy_by)
        self.assertEqual((proxied.diary_day, proxied.entry.food.veg_fruit_portions), ("2026-05-05", 2))

    async def test_consent_withdrawal_takes_effect_on_the_next_staff_request(self):
        phone = self.phone("kari")
        account = await phone.register(self.invite())
        centre = self.kit.call("participant_invite")["centre_id"]
        summary = f"/v1/centres/{centre}/participants/{account.account_id}/summary"
        consent = await phone.sdk.grant_consent(ConsentScope.SUMMARIES)
        self.assertEqual(self.kit.request("GET", summary, as_="veileder")["status"], 200)
        withdrawn = await phone.sdk.withdraw_consent(consent.id)
        self.assertFalse(withdrawn.active)
        self.assertEqual(self.kit.request("GET", summary, as_="veileder")["status"], 403)
        log = await phone.sdk.access_log()
        self.assertTrue(any(e.action == "read_summary" and not e.allowed for e in log))

    async def test_bad_input_is_refused_locally_and_nothing_is_queued(self):
        phone = self.phone("kari")
        await phone.register(self.invite())
        too_short = walk(WEEK[0], 0)
        oversized = meal(WEEK[0], 2)
        oversized.note = "x" * 501
        cases = [
            ("activity", too_short, {"version": 1, "occurred_at": "2026-05-04T07:30:00+02:00",
             "activity": {"activity_type": "walking", "duration_minutes": 0, "intensity": "moderate"}}),
            ("food", oversized, {"version": 1, "occurred_at": "2026-05-04T12:00:00+02:00", "note": "x" * 501,
             "food": {"meal": "lunch", "veg_fruit_portions": 2}}),
        ]
        for kind, local, wire in cases:
            with self.assertRaises(SdkError.Validation) as refused:
                phone.sdk.save_entry(parse_entry_kind(kind), None, local)
            server = self.kit.request(
                "PUT", f"/v1/me/diary/{kind}/0190a8f0-0000-7000-8000-00000000000{len(kind)}",
                token=phone.keychain.token, body=wire,
            )
            self.assertEqual(server["status"], 422)
            self.assertEqual(
                {(e.field, e.rule) for e in refused.exception.errors},
                {(e["field"], e["rule"]) for e in server["body"]["errors"]},
                kind,
            )
        with self.assertRaises(SdkError.Validation) as unknown:
            parse_entry_kind("steps")
        self.assertEqual((unknown.exception.errors[0].field, unknown.exception.errors[0].rule), ("kind", "one_of"))
        self.assertEqual(phone.sdk.pending_count(), 0)
        self.assertTrue(all(phone.sdk.entries(kind, None, None) == [] for kind in EntryKind))


if __name__ == "__main__":
    unittest.main()
