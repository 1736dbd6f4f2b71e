"""Staff accounts, PIN login with lockout, desk choice (each test on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from db.models import Desk, Staff
from kiosk.core import staff, views
from kiosk.errors import (
    CoordinatorOnly,
    DeskTaken,
    InvalidPin,
    InvalidRole,
    InvalidStaffName,
    StaffAlreadyExists,
    StaffLocked,
    StaffNameTooClose,
    UnknownDesk,
    UnknownStaff,
    WrongPin,
)
from tests.service.eventlog import events

PIN = "73915"
OTHER_PIN = "246810"




def login_events(ctx):
    return [(e.kind, e.staff_id, e.desk_id) for e in events(ctx) if e.kind.startswith("staff_login")]


def stored(ctx, staff_id):
    with ctx.read() as s:
        return s.get(Staff, staff_id)


def desk(ctx, desk_id):
    with ctx.read() as s:
        return s.get(Desk, desk_id)


# ---------------------------------------------------------------- hashing (no database)


@pytest.mark.real_pin_cost
def test_hash_is_salted_self_describing_and_verifies():
    first, second = staff.hash_pin(PIN), staff.hash_pin(PIN)
    assert first != second, "a fresh salt each time"
    for h in (first, second):
        algo, n, r, p, salt, digest = h.split("$")
        assert (algo, n, r, p) == ("scrypt", "16384", "8", "1")
        assert len(salt) == 24 and len(digest) == 44  # 16 and 32 bytes in base64
        assert staff.verify_pin(PIN, h)
        assert not staff.verify_pin("73916", h)
        assert not staff.verify_pin("", h)


@pytest.mark.real_pin_cost
def test_a_tampered_or_foreign_hash_never_matches():
    good = staff.hash_pin(PIN)
    for bad in ("", "plain", PIN, good.replace("scrypt", "md5"), good[:-4],
                good.replace("$16384$", "$1073741824$"), good.replace("$16384$", "$1000$")):
        assert not staff.verify_pin(PIN, bad)


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", " 1234", "1234\n", "١٢٣٤", "12 34"])
def test_pin_rule_is_4_to_8_ascii_digits(pin):
    with pytest.raises(InvalidPin) as refused:
        staff.hash_pin(pin)
    assert "4 à 8 chiffres" in refused.value.message


# ---------------------------------------------------------------- accounts


def test_add_list_disable(ctx):
    marie = staff.add_staff(ctx, "  Marie-Josée  ", "animatrice", PIN)
    coord = staff.add_staff(ctx, "Coordination", "coordinator", OTHER_PIN)
    assert marie == staff.StaffMember(marie.id, "Marie-Josée", "animatrice", True)
    assert staff.is_coordinator(coord) and not staff.is_coordinator(marie)
    assert staff.list_staff(ctx) == (coord, marie)
    disabled = staff.disable_staff(ctx, "marie-josée", by=coord)
    assert disabled.active is False and disabled.id == marie.id
    assert staff.list_staff(ctx) == (coord,)
    assert [m.name for m in staff.list_staff(ctx, include_disabled=True)] == ["Coordination", "Marie-Josée"]
    assert staff.disable_staff(ctx, "Marie-Josée", by=coord).active is False  # twice: no change
    assert [e.staff_id for e in events(ctx, "staff_added")] == [marie.id, coord.id]
    assert len(events(ctx, "staff_disabled")) == 1


def test_bad_accounts_are_refused_and_write_nothing(ctx):
    staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    with pytest.raises(StaffAlreadyExists):
        staff.add_staff(ctx, " NADIA ", "coordinator", PIN)
    with pytest.raises(InvalidRole):
        staff.add_staff(ctx, "Léa", "boss", PIN)
    with pytest.raises(InvalidPin):
        staff.add_staff(ctx, "Léa", "animatrice", "12")
    for name in ("", "   ", "x" * 81, "a\x00b"):
        with pytest.raises(InvalidStaffName):
            staff.add_staff(ctx, name, "animatrice", PIN)
    assert staff.add_staff(ctx, "y" * 80, "animatrice", PIN).name == "y" * 80
    assert [m.name for m in staff.list_staff(ctx, include_disabled=True)] == ["Nadia", "y" * 80]
    with pytest.raises(UnknownStaff):
        staff.disable_staff(ctx, "Personne")


@pytest.mark.real_pin_cost
def test_the_stored_hash_and_the_log_never_hold_the_pin(ctx):
    pin = "58206413"
    member = staff.add_staff(ctx, "Sandrine", "animatrice", pin)
    row = stored(ctx, member.id)
    assert pin not in row.pin_hash and row.pin_hash.startswith("scrypt$16384$8$1$")
    assert staff.verify_pin(pin, row.pin_hash)
    staff.login(ctx, member.id, pin, desk=1)
    with pytest.raises(WrongPin):
        staff.login(ctx, member.id, "58206414")
    staff.logout(ctx, member.id, 1)
    logged = events(ctx)
    assert len(logged) >= 4
    for e in logged:
        assert pin not in (e.detail or "") and "58206414" not in (e.detail or "")
        assert "scrypt" not in (e.detail or "")
    assert pin not in repr(staff.list_staff(ctx)) and "scrypt" not in repr(staff.list_staff(ctx))


# ---------------------------------------------------------------- login and lockout


def test_right_pin_logs_in_and_is_logged(ctx):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    login = staff.login(ctx, member.id, PIN)
    assert login == staff.StaffLogin(member.id, "Nadia", "animatrice", None)
    assert login_events(ctx) == [("staff_login_ok", member.id, None)]
    with pytest.raises(CoordinatorOnly):
        staff.require_coordinator(login)
    with pytest.raises(CoordinatorOnly):
        staff.require_coordinator(None)


def test_five_wrong_pins_lock_for_five_minutes(ctx, clock):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    messages = []
    for _ in range(5):
        with pytest.raises(WrongPin) as wrong:
            staff.login(ctx, member.id, "0000")
        messages.append(wrong.value.message)
    assert messages[0] == "Code incorrect : encore 4 essais avant le blocage."
    assert messages[3] == "Code incorrect : encore 1 essai avant le blocage."
    assert messages[4] == "Code incorrect : compte bloqué pendant 5 minutes."
    row = stored(ctx, member.id)
    assert row.failed_attempts == 0 and row.locked_until == clock() + dt.timedelta(minutes=5)

    # even the right PIN is refused while locked, and says how long to wait
    with pytest.raises(StaffLocked) as locked:
        staff.login(ctx, member.id, PIN)
    assert locked.value.message.endswith("réessayez dans 5 minutes.")
    clock.advance(minutes=3, seconds=30)
    with pytest.raises(StaffLocked) as locked:
        staff.login(ctx, member.id, PIN)
    assert "réessayez dans 2 minutes" in locked.value.message
    clock.advance(minutes=1)
    with pytest.raises(StaffLocked) as locked:
        staff.login(ctx, member.id, "0000")  # a wrong PIN while locked does not count
    assert "réessayez dans 1 minute." in locked.value.message
    assert stored(ctx, member.id).failed_attempts == 0

    clock.advance(seconds=30)  # exactly 5 minutes later
    assert staff.login(ctx, member.id, PIN).staff_id == member.id
    row = stored(ctx, member.id)
    assert row.failed_attempts == 0 and row.locked_until is None

    kinds = [k for k, _, _ in login_events(ctx)]
    assert kinds == ["staff_login_failed"] * 5 + ["staff_login_locked"] * 3 + ["staff_login_ok"]
    assert all(s == member.id for _, s, _ in login_events(ctx))
    failed = [json.loads(e.detail) for e in events(ctx, "staff_login_failed")]
    assert [d["attempt"] for d in failed] == [1, 2, 3, 4, 5]
    assert "locked_until" in failed[-1] and all(d["reason"] == "wrong_pin" for d in failed)


def test_a_right_pin_resets_the_counter(ctx):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    for _ in range(4):
        with pytest.raises(WrongPin):
            staff.login(ctx, member.id, "0000")
    staff.login(ctx, member.id, PIN)
    assert stored(ctx, member.id).failed_attempts == 0
    with pytest.raises(WrongPin) as wrong:
        staff.login(ctx, member.id, "0000")
    assert wrong.value.remaining == 4


def test_failed_attempts_are_committed_even_though_refused(ctx, settings):
    """Another connection (a fresh context) sees the counter and the event of a refusal."""
    from kiosk.core.context import open_context

    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    with pytest.raises(WrongPin):
        staff.login(ctx, member.id, "9999", desk=2)
    other = open_context(settings)
    try:
        assert stored(other, member.id).failed_attempts == 1
        assert [(e.kind, e.desk_id) for e in events(other, "staff_login_failed")] == [("staff_login_failed", 2)]
        assert desk(other, 2).staff_id is None
    finally:
        other.dispose()


def test_a_new_pin_replaces_the_forgotten_one_and_only_a_coordinator_lifts_the_lock(ctx):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    for _ in range(5):
        with pytest.raises(WrongPin):
            staff.login(ctx, member.id, "0000")
    with pytest.raises(StaffLocked):
        staff.login(ctx, member.id, PIN)
    with pytest.raises(InvalidPin):
        staff.set_pin(ctx, "Nadia", "12")
    # no coordinator yet: the PIN changes, the lockout stays (a reset is no way around it)
    staff.set_pin(ctx, "Nadia", "97531")
    with pytest.raises(StaffLocked):
        staff.login(ctx, member.id, "97531")
    coord = staff.add_staff(ctx, "Coordination", "coordinator", "8642")
    by = staff.authorise_coordinator(ctx, "coordination", "8642")
    assert staff.set_pin(ctx, "  nadia ", OTHER_PIN, by=by).id == member.id
    row = stored(ctx, member.id)
    assert row.failed_attempts == 0 and row.locked_until is None
    with pytest.raises(WrongPin):
        staff.login(ctx, member.id, PIN)  # the old PIN is gone
    assert staff.login(ctx, member.id, OTHER_PIN).staff_id == member.id
    changed = events(ctx, "staff_pin_changed")
    assert [e.staff_id for e in changed] == [member.id, member.id]
    assert json.loads(changed[1].detail) == {"by_staff_id": coord.id}
    assert OTHER_PIN not in (changed[1].detail or "")
    with pytest.raises(UnknownStaff):
        staff.set_pin(ctx, "Personne", OTHER_PIN, by=by)


def test_a_disabled_account_is_enabled_again_with_its_pin(ctx):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    staff.disable_staff(ctx, "Nadia")
    with pytest.raises(UnknownStaff):
        staff.login(ctx, member.id, PIN)
    assert staff.enable_staff(ctx, "NADIA").active is True
    assert staff.enable_staff(ctx, "Nadia").active is True  # twice: no change
    assert staff.login(ctx, member.id, PIN).staff_id == member.id
    assert [e.staff_id for e in events(ctx, "staff_enabled")] == [member.id]
    with pytest.raises(UnknownStaff):
        staff.enable_staff(ctx, "Personne")


def test_unknown_and_disabled_staff_cannot_log_in(ctx):
    member = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    staff.login(ctx, member.id, PIN, desk=1)
    staff.disable_staff(ctx, "Nadia")
    assert desk(ctx, 1).staff_id is None and desk(ctx, 1).status == "closed"
    with pytest.raises(UnknownStaff) as refused:
        staff.login(ctx, member.id, PIN)
    assert refused.value.message == "Membre de l'équipe inconnu ou désactivé."
    with pytest.raises(UnknownStaff):
        staff.login(ctx, 4242, PIN)
    failed = events(ctx, "staff_login_failed")
    assert [(e.staff_id, json.loads(e.detail)["reason"]) for e in failed] == [
        (member.id, "disabled"), (None, "unknown")]
    assert json.loads(failed[1].detail)["requested_staff_id"] == 4242


# ---------------------------------------------------------------- desks


def test_login_takes_a_desk_and_logout_frees_it(ctx):
    nadia = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    before = views.queue_revision(ctx)
    login = staff.login(ctx, nadia.id, PIN, desk=2)
    assert login.desk == 2
    assert views.queue_revision(ctx) > before, "screens see the desk change"
    d = desk(ctx, 2)
    assert (d.staff_id, d.status) == (nadia.id, "open")
    assert login_events(ctx) == [("staff_login_ok", nadia.id, 2)]
    # the same desk again is fine; another desk moves her there
    staff.login(ctx, nadia.id, PIN, desk=2)
    staff.login(ctx, nadia.id, PIN, desk=3)
    assert desk(ctx, 2).staff_id is None and desk(ctx, 2).status == "closed"
    assert desk(ctx, 3).staff_id == nadia.id
    before = views.queue_revision(ctx)
    assert staff.logout(ctx, nadia.id, 3) == (3,)
    assert views.queue_revision(ctx) > before
    d = desk(ctx, 3)
    assert (d.staff_id, d.status) == (None, "closed")
    assert [e.desk_id for e in events(ctx, "staff_logout")] == [2, 3]
    assert staff.logout(ctx, nadia.id, 3) == ()  # nothing left to free


def test_a_desk_held_by_another_is_refused_naming_her(ctx):
    nadia = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    lea = staff.add_staff(ctx, "Léa", "animatrice", OTHER_PIN)
    staff.login(ctx, nadia.id, PIN, desk=1)
    with pytest.raises(DeskTaken) as taken:
        staff.login(ctx, lea.id, OTHER_PIN, desk=1)
    assert "Nadia" in taken.value.message and "poste 1" in taken.value.message
    assert desk(ctx, 1).staff_id == nadia.id
    with pytest.raises(DeskTaken):
        staff.logout(ctx, lea.id, 1)
    last = events(ctx, "staff_login_failed")[-1]
    assert (last.staff_id, last.desk_id, json.loads(last.detail)["reason"]) == (lea.id, 1, "desk_taken")
    # once Nadia leaves, Léa gets it
    staff.logout(ctx, nadia.id, None)
    assert staff.login(ctx, lea.id, OTHER_PIN, desk=1).desk == 1
    assert desk(ctx, 1).staff_id == lea.id


def test_a_closed_desk_is_free_even_with_a_stale_holder(ctx):
    from kiosk.core import services

    nadia = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    lea = staff.add_staff(ctx, "Léa", "animatrice", OTHER_PIN)
    staff.login(ctx, nadia.id, PIN, desk=4)
    services.set_desk_status(ctx, 4, "closed")
    assert staff.login(ctx, lea.id, OTHER_PIN, desk=4).desk == 4


def test_unknown_desk_is_refused_and_logged(ctx):
    nadia = staff.add_staff(ctx, "Nadia", "animatrice", PIN)
    with pytest.raises(UnknownDesk):
        staff.login(ctx, nadia.id, PIN, desk=99)
    last = events(ctx, "staff_login_failed")[-1]
    assert (last.staff_id, last.desk_id) == (nadia.id, None)
    assert json.loads(last.detail) == {"desk": 99, "reason": "unknown_desk"}
    with pytest.raises(UnknownDesk):
        staff.logout(ctx, nadia.id, 99)


def test_a_name_typed_with_a_combining_accent_is_the_same_name(ctx):
    import unicodedata

    from kiosk.core import staff
    from kiosk.errors import StaffAlreadyExists

    staff.add_staff(ctx, "Marié", "animatrice", "1234")
    with pytest.raises(StaffAlreadyExists):
        staff.add_staff(ctx, unicodedata.normalize("NFD", "Marié"), "animatrice", "5678")


def test_a_disabled_member_or_one_whose_desk_was_taken_is_refused_in_the_services(open_ctx):
    """Staff rights hold in the services: a console left open is no way around them."""
    from kiosk.core import services, staff
    from kiosk.errors import DeskNotYours, StaffDisabled

    marie = staff.add_staff(open_ctx, "Marie", "animatrice", "1111")
    rose = staff.add_staff(open_ctx, "Rose", "animatrice", "2222")
    staff.login(open_ctx, marie.id, "1111", desk=1)
    services.take_ticket(open_ctx, "caf-rsa")
    services.take_ticket(open_ctx, "caf-rsa")
    services.call_next(open_ctx, 1, staff_id=marie.id)
    with pytest.raises(DeskNotYours):  # Rose has not taken desk 1
        services.start_service(open_ctx, 1, staff_id=rose.id)
    staff.disable_staff(open_ctx, "Marie")
    for action in (lambda: services.call_next(open_ctx, 1, staff_id=marie.id),
                   lambda: services.mark_absent(open_ctx, 1, staff_id=marie.id),
                   lambda: services.cancel_ticket(open_ctx, 2, staff_id=marie.id),
                   lambda: services.set_desk_status(open_ctx, 1, "paused", staff_id=marie.id)):
        with pytest.raises(StaffDisabled):
            action()
    staff.login(open_ctx, rose.id, "2222", desk=1)
    services.mark_absent(open_ctx, 1, staff_id=rose.id)  # desk 1 is Rose's now


# ---------------------------------------------------------------- who may change the accounts


def _accounts(ctx):
    with ctx.read() as s:
        return sorted((r.id, r.name, r.active, r.pin_hash, r.failed_attempts, r.locked_until)
                      for r in s.query(Staff).all())


def test_the_first_coordinator_is_created_freely_then_every_change_names_one(ctx):
    from kiosk.errors import CoordinatorRequired, KioskError

    nadia = staff.add_staff(ctx, "Nadia", "animatrice", PIN)  # no coordinator yet: free
    josiane = staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    before = _accounts(ctx)
    for change in (lambda by: staff.add_staff(ctx, "Léa", "coordinator", PIN, by=by),
                   lambda by: staff.disable_staff(ctx, "Nadia", by=by),
                   lambda by: staff.enable_staff(ctx, "Nadia", by=by),
                   lambda by: staff.set_pin(ctx, "Nadia", OTHER_PIN, by=by)):
        with pytest.raises(CoordinatorRequired):
            change(None)
        with pytest.raises(CoordinatorOnly):  # an animatrice is no coordinator
            change(nadia)
    assert _accounts(ctx) == before
    with pytest.raises(CoordinatorOnly):
        staff.authorise_coordinator(ctx, "Nadia", PIN)
    with pytest.raises(UnknownStaff):
        staff.authorise_coordinator(ctx, "Personne", PIN)
    with pytest.raises(WrongPin):
        staff.authorise_coordinator(ctx, "Josiane", "2469")
    by = staff.authorise_coordinator(ctx, " josiane ", "2468")
    assert by == josiane
    assert staff.add_staff(ctx, "Léa", "animatrice", PIN, by=by).name == "Léa"
    assert staff.disable_staff(ctx, "Nadia", by=by).active is False
    assert staff.enable_staff(ctx, "Nadia", by=by).active is True
    with pytest.raises(KioskError, match="propre compte"):
        staff.disable_staff(ctx, "Josiane", by=by)
    assert [json.loads(e.detail)["by_staff_id"] for e in events(ctx, "staff_added")] == [
        None, None, josiane.id]
    # a coordinator disabled since cannot act on what she was authorised for before
    staff.add_staff(ctx, "Rose", "coordinator", "1357", by=by)
    rose = staff.authorise_coordinator(ctx, "Rose", "1357")
    staff.disable_staff(ctx, "Josiane", by=rose)
    with pytest.raises(CoordinatorOnly):
        staff.enable_staff(ctx, "Josiane", by=by)
    with pytest.raises(UnknownStaff):
        staff.authorise_coordinator(ctx, "Josiane", "2468")


def test_wrong_coordinator_pins_lock_her_out_like_the_console(ctx, clock):
    josiane = staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongPin, match=f"encore {left}"):
            staff.authorise_coordinator(ctx, "Josiane", "0000")
    with pytest.raises(WrongPin):
        staff.authorise_coordinator(ctx, "Josiane", "0000")
    with pytest.raises(StaffLocked):
        staff.authorise_coordinator(ctx, "Josiane", "2468")
    assert [k for k, *_ in login_events(ctx)] == ["staff_login_failed"] * 5 + ["staff_login_locked"]
    assert all(sid == josiane.id for _, sid, _ in login_events(ctx))
    clock.advance(minutes=staff.LOCK_MINUTES + 1)
    assert staff.authorise_coordinator(ctx, "Josiane", "2468") == josiane


def test_still_seated_says_why_a_console_must_leave(ctx):
    from kiosk.core import services

    marie = staff.add_staff(ctx, "Marie", "animatrice", "1111")
    rose = staff.add_staff(ctx, "Rose", "animatrice", "2222")
    coord = staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    staff.login(ctx, marie.id, "1111", desk=1)
    assert staff.still_seated(ctx, marie.id, 1) is None
    services.set_desk_status(ctx, 1, "closed")
    staff.login(ctx, rose.id, "2222", desk=1)
    assert staff.still_seated(ctx, marie.id, 1) == "Le poste 1 a été repris par Rose."
    staff.logout(ctx, rose.id, 1)
    assert staff.still_seated(ctx, marie.id, 1) == "Le poste 1 a été libéré : reconnectez-vous."
    staff.login(ctx, marie.id, "1111", desk=2)
    staff.disable_staff(ctx, "Marie", by=coord)
    assert staff.still_seated(ctx, marie.id, 2) == "Votre compte a été désactivé."
    assert staff.still_seated(ctx, coord.id, None) is None


@pytest.mark.parametrize("look_alike", ["MARİE", "Marıe", "Marié", "ＭＡＲＩＥ", "  marie\u0301  "])
def test_a_name_that_would_look_the_same_on_the_login_screen_is_refused(ctx, look_alike):
    """Case folded, NFKC, accents and the Turkish dotted and dotless i set aside: "MARİE"
    beside "Marie" would be two buttons nobody can tell apart."""
    marie = staff.add_staff(ctx, "Marie", "animatrice", PIN)
    with pytest.raises(StaffNameTooClose) as refused:
        staff.add_staff(ctx, look_alike, "animatrice", OTHER_PIN)
    assert refused.value.message == (
        f"« {staff.clean_name(look_alike)} » ressemble trop à « Marie », déjà dans l'équipe : "
        "ajoutez une initiale pour les distinguer.")
    with pytest.raises(StaffNameTooClose):
        staff.check_new_name(ctx, look_alike)  # what the command line asks before any PIN
    assert staff.list_staff(ctx, include_disabled=True) == (marie,)
    assert len(events(ctx, "staff_added")) == 1
    assert staff.add_staff(ctx, "Marie L.", "animatrice", OTHER_PIN).name == "Marie L."


def test_names_already_there_stay_as_they_are_even_when_close(ctx):
    """Accounts made before the rule (both rows written as an older version did) keep their
    names, logins and lookups; only a new one is checked."""
    with ctx.write() as session:
        session.add_all([Staff(name=n, role="animatrice", pin_hash=staff.hash_pin(PIN),
                               active=True, failed_attempts=0) for n in ("Marie", "MARİE")])
    assert [m.name for m in staff.list_staff(ctx)] == ["Marie", "MARİE"]
    assert staff.find_staff(ctx, "MARİE").name == "MARİE"
    assert staff.find_staff(ctx, "marie").name == "Marie"
    with pytest.raises(StaffAlreadyExists):
        staff.add_staff(ctx, "marie", "animatrice", PIN)
    with pytest.raises(StaffNameTooClose):
        staff.add_staff(ctx, "Marié", "animatrice", PIN)
