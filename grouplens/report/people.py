"""How reports refer to members: a stable key, the member id, and a display name.

Every member a report mentions appears as the three fields ``member`` (a key derived from the
member id with the store's secret salt: the same member gets the same key in every report and
week, and the key reveals nothing), ``member_id`` and ``name``. ``privacy.apply_privacy`` then
hides ids and replaces names with aliases built from the key, so all formats are covered.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import schema as S

MEMBER = "member"  # the JSON key of a member's stable key
STAFF_ROLES = frozenset({"owner", "admin"})


def member_key(salt: str, member_id: str) -> str:
    """Eight characters (A-Z, 2-7) from a keyed BLAKE2b hash of the member id."""
    digest = hashlib.blake2b(str(member_id).encode("utf-8"), key=salt.encode("utf-8")[:64], digest_size=5).digest()
    return base64.b32encode(digest).decode("ascii")


@dataclass(frozen=True)
class Person:
    key: str
    member_id: str
    name: str | None
    names: tuple[str, ...]  # every name the member was seen with (for finding names in texts)
    role: str | None

    @property
    def staff(self) -> bool:
        return self.role in STAFF_ROLES


class People:
    """Everyone known in a group (the members table), looked up by member id."""

    def __init__(self, members: pd.DataFrame, salt: str):
        self.salt = salt
        self._by_id: dict[str, Person] = {}
        for mid, name, seen, role in zip(members[S.MEMBER_ID], members[S.NAME], members[S.NAMES_SEEN],
                                         members[S.ROLE]):
            names = [e[S.NAME] for e in (seen if seen is not None else []) if e and isinstance(e.get(S.NAME), str)]
            if isinstance(name, str) and name not in names:
                names.append(name)
            self._by_id[str(mid)] = Person(member_key(salt, str(mid)), str(mid), name if isinstance(name, str) else None,
                                           tuple(names), role if isinstance(role, str) else None)

    def person(self, member_id: str) -> Person:
        found = self._by_id.get(str(member_id))
        if found is None:  # a sender the members table does not know (a stale table): still keyed
            found = Person(member_key(self.salt, str(member_id)), str(member_id), None, (), None)
            self._by_id[str(member_id)] = found
        return found

    def ref(self, member_id: str) -> dict[str, Any]:
        """The three fields that name a member in a report."""
        p = self.person(member_id)
        return {MEMBER: p.key, S.MEMBER_ID: p.member_id, S.NAME: p.name}

    def is_staff(self, member_id: str) -> bool:
        return self.person(member_id).staff

    def staff_ids(self) -> set[str]:
        return {mid for mid, p in self._by_id.items() if p.staff}

    def directory(self) -> dict[str, Person]:
        """Key -> person, for the privacy step (names and ids to find in quoted texts)."""
        return {p.key: p for p in self._by_id.values()}
