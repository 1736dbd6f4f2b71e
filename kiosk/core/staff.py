"""Staff accounts: PIN login (salted scrypt), lockout after repeated failures, desk choice.

Every login attempt, good or bad, lands in the event log. A refused attempt is committed (its
counter and its event) in its own transaction, and only then raised: the refusal must not roll
back the trace of the attempt. The PIN itself is never stored, logged or returned; only its
scrypt hash, in a self-describing string `scrypt$N$r$p$<salt b64>$<hash b64>`.

Its size (~530 lines): the accounts (names, roles, PINs, rights) and who sits at which desk share
one table and one lock order; logging in is choosing a desk, so both stay here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Desk, Staff
from kiosk.core.context import Context
from kiosk.core.services import log_event
from kiosk.domain import Role
from kiosk.errors import (
    CoordinatorOnly,
    CoordinatorRequired,
    DeskTaken,
    InvalidPin,
    InvalidRole,
    InvalidStaffName,
    KioskError,
    StaffAlreadyExists,
    StaffLocked,
    StaffNameTooClose,
    UnknownDesk,
    UnknownStaff,
    WrongPin,
)
from kiosk.vocabulary import ROLES

ANIMATRICE, COORDINATOR = Role.ANIMATRICE, Role.COORDINATOR
MAX_ATTEMPTS = 5
LOCK_MINUTES = 5
NAME_MAX = 80

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_PIN_RE = re.compile(r"[0-9]{4,8}")
_SCRYPT_MAXMEM = 64 * 1024 * 1024


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: str
    active: bool

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "role": self.role, "active": self.active}


@dataclass(frozen=True)
class StaffLogin:
    staff_id: int
    name: str
    role: str
    desk: int | None


def is_coordinator(who: StaffMember | StaffLogin) -> bool:
    return who.role == COORDINATOR


def require_coordinator(who: StaffLogin | None) -> StaffLogin:
    """For coordinator-only actions of the console: refuse anyone else (or nobody)."""
    if who is None or not is_coordinator(who):
        raise CoordinatorOnly()
    return who


# ---------------------------------------------------------------- PIN hashing


def validate_pin(pin: str) -> str:
    """4 to 8 ASCII digits, nothing else (no spaces, no other scripts' digits)."""
    if not isinstance(pin, str) or _PIN_RE.fullmatch(pin) is None:
        raise InvalidPin()
    return pin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    """A fresh random salt each time: two hashes of the same PIN differ."""
    validate_pin(pin)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=_SCRYPT_MAXMEM, dklen=HASH_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """Recompute the hash with the stored parameters and salt; compare in constant time.
    A malformed stored string never matches."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    # bounded parameters: a tampered row must not make us allocate gigabytes
    if not (2 <= n <= 2**16 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4
            and len(salt) >= SALT_BYTES and len(expected) == HASH_BYTES):
        return False
    try:
        candidate = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                   maxmem=_SCRYPT_MAXMEM, dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(candidate, expected)


@functools.cache
def _dummy_hash() -> str:
    # Unknown accounts cost the same scrypt as known ones.
    return hash_pin("0000")


# ---------------------------------------------------------------- names and roles


def clean_name(name: str) -> str:
    """Trimmed, inner spaces collapsed, 1 to 80 printable characters."""
    # NFC: "Marié" typed with a combining accent is the same name as with a precomposed one
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned:
        raise InvalidStaffName("le nom est vide")
    if len(cleaned) > NAME_MAX:
        raise InvalidStaffName(f"{NAME_MAX} caractères au plus")
    if not cleaned.isprintable():
        raise InvalidStaffName("caractères de contrôle interdits")
    return cleaned


def name_key(name: str) -> str:
    """What two names must not share to be told apart on the login screen: compatibility forms
    folded (NFKC: "ﬁ", full-width letters), case folded, accents and dots dropped (the Turkish
    "İ" folds to "i" with a combining dot, "ı" has none). "MARİE", "Marie" and "Marié" share
    "marie"."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ı", "i")
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", folded)
                   if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFKC", bare).split())


def _near_duplicate(session: Session, name: str) -> str | None:
    """The name of an account, disabled or not, that `name` could be mistaken for."""
    wanted = name_key(name)
    return next((n for (n,) in session.execute(select(Staff.name).order_by(Staff.id)).all()
                 if name_key(n) == wanted), None)


def check_new_name(ctx: Context, name: str) -> str:
    """`name` cleaned, when no account has it or a name that looks the same (StaffAlreadyExists,
    StaffNameTooClose): the command line asks this before asking for any PIN."""
    name = clean_name(name)
    with ctx.read() as session:
        _refuse_taken(session, name)
    return name


def _refuse_taken(session: Session, name: str) -> None:
    if _find_by_name(session, name) is not None:
        raise StaffAlreadyExists(name)
    close = _near_duplicate(session, name)
    if close is not None:
        raise StaffNameTooClose(name, close)


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidRole(role)
    return role


def _member(row: Staff) -> StaffMember:
    return StaffMember(id=row.id, name=row.name, role=row.role, active=row.active)


def _find_by_name(session: Session, name: str, lock: bool = False) -> Staff | None:
    """Names compare without case, in Python (the backends' lower() differ on accents)."""
    wanted = name.casefold()
    ids = [sid for sid, n in session.execute(select(Staff.id, Staff.name)).all()
           if n.casefold() == wanted]
    if not ids:
        return None
    query = select(Staff).where(Staff.id == ids[0])
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def _named(session: Session, name: str, lock: bool = False) -> Staff:
    """The account of `name` (spaces collapsed, any case), or UnknownStaff."""
    wanted = " ".join(name.split())
    row = _find_by_name(session, wanted, lock=lock)
    if row is None:
        raise UnknownStaff(wanted or name)
    return row


def find_staff(ctx: Context, name: str) -> StaffMember:
    """The account of `name`, disabled or not, or UnknownStaff (never the hash)."""
    with ctx.read() as session:
        return _member(_named(session, name))


# ---------------------------------------------------------------- who may change accounts


def coordinator_exists(ctx: Context) -> bool:
    """Once an active coordinator exists, every account change must name one (`by`)."""
    with ctx.read() as session:
        return _coordinator_exists(session)


def _coordinator_exists(session: Session) -> bool:
    return session.scalar(select(Staff.id).where(Staff.role == COORDINATOR,
                                                 Staff.active.is_(True)).limit(1)) is not None


def authorise_coordinator(ctx: Context, name: str, pin: str) -> StaffMember:
    """The coordinator `name`, once her PIN is checked: the command line's way of saying who
    changes the accounts. Same PIN check, lockout and event log as the console's login (a wrong
    PIN counts towards the lockout and is committed before `WrongPin` is raised). Refusals:
    `UnknownStaff` (no such name, or disabled), `CoordinatorOnly` (not a coordinator; her PIN is
    not even tried), `StaffLocked`, `WrongPin`."""
    member = coordinator_named(ctx, name)
    login(ctx, member.id, pin)
    return member


def coordinator_named(ctx: Context, name: str) -> StaffMember:
    """The active coordinator `name`, before her PIN is asked: `UnknownStaff` or
    `CoordinatorOnly` otherwise (nothing is written: no PIN was tried)."""
    member = find_staff(ctx, name)
    if not member.active:
        raise UnknownStaff(member.id)
    if not is_coordinator(member):
        raise CoordinatorOnly()
    return member


def _authorised(session: Session, by: StaffMember | None) -> Staff | None:
    """Inside the change's transaction: `by` must still be an active coordinator; without `by`,
    no active coordinator may exist yet (the first one is created freely). Checked here, in the
    core, so that no caller (command line, console, script) can skip it."""
    if by is None:
        if _coordinator_exists(session):
            raise CoordinatorRequired()
        return None
    row = session.get(Staff, by.id)
    if row is None or not row.active or row.role != COORDINATOR:
        raise CoordinatorOnly()
    return row


# ---------------------------------------------------------------- accounts


def add_staff(ctx: Context, name: str, role: str, pin: str,
              by: StaffMember | None = None) -> StaffMember:
    """Create an account. Names are unique regardless of case, and a name that would look the
    same on the login screen ("MARİE" beside "Marie", "Marié" beside "Marie") is refused too
    (name_key); the names already there stay as they are. `by`: the coordinator who does it
    (needed once a coordinator exists)."""
    name = clean_name(name)
    validate_role(role)
    pin_hash = hash_pin(pin)  # validates the PIN; computed before taking the write lock
    try:
        # ctx.write serialises account creations on PostgreSQL too: two "first coordinators"
        # created at the same moment cannot both pass the check
        with ctx.write() as session:
            actor = _authorised(session, by)
            _refuse_taken(session, name)
            row = Staff(name=name, role=role, pin_hash=pin_hash, active=True, failed_attempts=0)
            session.add(row)
            session.flush()
            log_event(session, ctx, "staff_added", staff_id=row.id, role=role,
                      by_staff_id=actor.id if actor is not None else None)
            return _member(row)
    except IntegrityError:
        # the same name added at the same moment from another terminal
        raise StaffAlreadyExists(name) from None


def list_staff(ctx: Context, include_disabled: bool = False) -> tuple[StaffMember, ...]:
    """The accounts by name (never the hash)."""
    with ctx.read() as session:
        query = select(Staff)
        if not include_disabled:
            query = query.where(Staff.active.is_(True))
        rows = session.scalars(query).all()
        members = [_member(r) for r in rows]
    return tuple(sorted(members, key=lambda m: (m.name.casefold(), m.id)))


def disable_staff(ctx: Context, name: str, by: StaffMember | None = None) -> StaffMember:
    """Disable an account (kept for the history of the event log). Whoever is disabled leaves
    the desk they held (ctx.write bumps the queue revision: her console notices within a poll).
    Disabling twice changes nothing. A coordinator cannot disable her own account: there is
    always one left to make the next changes."""
    with ctx.write() as session:
        actor = _authorised(session, by)
        row = _named(session, name, lock=True)
        if actor is not None and actor.id == row.id:
            raise KioskError("Vous ne pouvez pas désactiver votre propre compte.")
        if row.active:
            row.active = False
            freed = _free_desks_of(session, ctx, row.id, reason="disabled")
            log_event(session, ctx, "staff_disabled", staff_id=row.id, desks=freed,
                      by_staff_id=actor.id if actor is not None else None)
        return _member(row)


def enable_staff(ctx: Context, name: str, by: StaffMember | None = None) -> StaffMember:
    """Give a disabled account back its access, with its old PIN. Enabling twice changes nothing."""
    with ctx.write() as session:
        actor = _authorised(session, by)
        row = _named(session, name, lock=True)
        if not row.active:
            row.active = True
            log_event(session, ctx, "staff_enabled", staff_id=row.id,
                      by_staff_id=actor.id if actor is not None else None)
        return _member(row)


def set_pin(ctx: Context, name: str, pin: str, by: StaffMember | None = None) -> StaffMember:
    """A new PIN for a forgotten one. Only a coordinator's reset (`by`) lifts a lockout: before
    any coordinator exists, a reset changes the PIN and nothing else. The event log records the
    change, never the PIN."""
    pin_hash = hash_pin(pin)  # validates the PIN; computed before taking the write lock
    with ctx.write() as session:
        actor = _authorised(session, by)
        row = _named(session, name, lock=True)
        row.pin_hash = pin_hash
        if actor is not None:
            row.failed_attempts = 0
            row.locked_until = None
        log_event(session, ctx, "staff_pin_changed", staff_id=row.id,
                  by_staff_id=actor.id if actor is not None else None)
        return _member(row)


def still_seated(ctx: Context, staff_id: int, desk: int | None) -> str | None:
    """Why a console logged in as `staff_id` at `desk` must return to its login screen, in
    words; None while she is still active and holds the desk. Cheap: two primary-key reads."""
    with ctx.read() as session:
        row = session.get(Staff, staff_id)
        if row is None or not row.active:
            return "Votre compte a été désactivé."
        if desk is None:
            return None
        desk_row = session.get(Desk, desk)
        if desk_row is None or desk_row.staff_id == staff_id:
            return None
        holder = session.get(Staff, desk_row.staff_id) if desk_row.staff_id is not None else None
        if holder is not None:
            return f"Le poste {desk} a été repris par {holder.name}."
        return f"Le poste {desk} a été libéré : reconnectez-vous."


# ---------------------------------------------------------------- login, desk, logout


def _holds(desk: Desk) -> int | None:
    """Who works at the desk now (a closed desk is held by nobody)."""
    return desk.staff_id if desk.status != "closed" else None


def _free_desks_of(session: Session, ctx: Context, staff_id: int, reason: str,
                   keep: int | None = None) -> list[int]:
    desks = session.scalars(
        select(Desk).where(Desk.staff_id == staff_id).order_by(Desk.id).with_for_update()
    ).all()
    freed = []
    for desk in desks:
        if desk.id == keep:
            continue
        desk.staff_id = None
        desk.status = "closed"
        freed.append(desk.id)
        log_event(session, ctx, "staff_logout", staff_id=staff_id, desk_id=desk.id, reason=reason)
    return freed


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def login(ctx: Context, staff_id: int, pin: str, desk: int | None = None) -> StaffLogin:
    """Check a PIN and, when a desk is given, seat the member at it.

    Refusals, in this order: unknown or disabled account (`UnknownStaff`), locked account
    (`StaffLocked`, the PIN is not even looked at), wrong PIN (`WrongPin`; the 5th in a row locks
    the account for 5 minutes), unknown desk (`UnknownDesk`), desk held by someone else
    (`DeskTaken`). Each attempt is one committed event (`staff_login_ok`, `staff_login_failed`
    or `staff_login_locked`); a refusal is raised once its trace is committed.
    """
    # scrypt outside the transaction: the write lock is not held during the ~50 ms of hashing
    with ctx.read() as session:
        seen_hash = session.scalar(select(Staff.pin_hash).where(Staff.id == staff_id))
    pin_ok = verify_pin(pin, seen_hash or _dummy_hash())

    refusal: KioskError | None = None
    result: StaffLogin | None = None
    # taking a desk changes what the screens show: bump the queue revision
    begin: Callable[[], AbstractContextManager[Session]] = (
        ctx.write if desk is not None else ctx.sessions.begin
    )
    with begin() as session:
        now = ctx.now()
        row = session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).first()
        desk_row = session.get(Desk, desk) if desk is not None else None
        desk_id = desk_row.id if desk_row is not None else None
        if row is None or not row.active:
            log_event(session, ctx, "staff_login_failed",
                      staff_id=row.id if row is not None else None, desk_id=desk_id,
                      reason="unknown" if row is None else "disabled",
                      **({"requested_staff_id": staff_id} if row is None else {}))
            refusal = UnknownStaff(staff_id)
        elif row.locked_until is not None and row.locked_until > now:
            log_event(session, ctx, "staff_login_locked", staff_id=row.id, desk_id=desk_id,
                      locked_until=row.locked_until.isoformat())
            refusal = StaffLocked(_minutes_left(row.locked_until, now))
        else:
            if row.pin_hash != seen_hash:  # the PIN changed in between: check the new one
                pin_ok = verify_pin(pin, row.pin_hash)
            if not pin_ok:
                refusal = _wrong_pin(session, ctx, row, now, desk_id)
            else:
                row.failed_attempts = 0
                row.locked_until = None
                refusal = _seat(session, ctx, row, desk, desk_row)
                if refusal is None:
                    log_event(session, ctx, "staff_login_ok", staff_id=row.id, desk_id=desk_id)
                    result = StaffLogin(staff_id=row.id, name=row.name, role=row.role, desk=desk_id)
    if refusal is not None:
        raise refusal
    assert result is not None
    return result


def _wrong_pin(session: Session, ctx: Context, row: Staff, now: dt.datetime,
               desk_id: int | None) -> WrongPin:
    row.failed_attempts += 1
    if row.failed_attempts >= MAX_ATTEMPTS:
        row.failed_attempts = 0
        row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        log_event(session, ctx, "staff_login_failed", staff_id=row.id, desk_id=desk_id,
                  reason="wrong_pin", attempt=MAX_ATTEMPTS,
                  locked_until=row.locked_until.isoformat())
        return WrongPin(0, LOCK_MINUTES)
    log_event(session, ctx, "staff_login_failed", staff_id=row.id, desk_id=desk_id,
              reason="wrong_pin", attempt=row.failed_attempts)
    return WrongPin(MAX_ATTEMPTS - row.failed_attempts, LOCK_MINUTES)


def _seat(session: Session, ctx: Context, row: Staff, desk: int | None,
          desk_row: Desk | None) -> KioskError | None:
    """Seat a member whose PIN was right at the desk asked for; a refusal is returned (and
    logged), so that the reset counter and the event still commit."""
    if desk is None:
        return None
    if desk_row is None:
        log_event(session, ctx, "staff_login_failed", staff_id=row.id, reason="unknown_desk",
                  desk=desk)
        return UnknownDesk(desk)
    session.refresh(desk_row, with_for_update=True)
    holder_id = _holds(desk_row)
    if holder_id is not None and holder_id != row.id:
        holder = session.get(Staff, holder_id)
        log_event(session, ctx, "staff_login_failed", staff_id=row.id, desk_id=desk_row.id,
                  reason="desk_taken", holder_id=holder_id)
        return DeskTaken(desk_row.id, holder.name if holder is not None else f"n° {holder_id}")
    _free_desks_of(session, ctx, row.id, reason="desk_change", keep=desk_row.id)
    desk_row.staff_id = row.id
    desk_row.status = "open"
    return None


def logout(ctx: Context, staff_id: int, desk: int | None) -> tuple[int, ...]:
    """Leave a desk (or, with `desk=None`, every desk the member holds): the desk is closed and
    free. Leaving a desk one does not hold changes nothing; a desk held by someone else is
    refused with `DeskTaken`. Returns the desks freed."""
    with ctx.write() as session:
        row = session.get(Staff, staff_id)
        if row is None:
            raise UnknownStaff(staff_id)
        if desk is None:
            return tuple(_free_desks_of(session, ctx, staff_id, reason="logout"))
        desk_row = session.get(Desk, desk, with_for_update=True)
        if desk_row is None:
            raise UnknownDesk(desk)
        holder_id = _holds(desk_row)
        if holder_id is not None and holder_id != staff_id:
            holder = session.get(Staff, holder_id)
            raise DeskTaken(desk, holder.name if holder is not None else f"n° {holder_id}")
        if desk_row.staff_id != staff_id:
            return ()
        desk_row.staff_id = None
        desk_row.status = "closed"
        log_event(session, ctx, "staff_logout", staff_id=staff_id, desk_id=desk, reason="logout")
        return (desk,)
