"""The members table: everyone known in a group, from messages, join/leave notices and member lists.

Members are keyed by the id the exports give (QQ number, wxid, email); names change over time
and are kept as a history. A notice names members only by their display name at the time, so
it is matched to the member who used that name (the latest one, if several did); a name no
one used becomes a member of its own with a name-based id.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as S

SPEECH_EXCLUDED_KINDS = S.EVENT_KINDS  # notices are not speech, even when a member caused them


def _event_times(events: pd.DataFrame, name_to_id: dict[str, str]) -> pd.DataFrame:
    """Per member: first join, last join and last leave, from notices that name them."""
    if events.empty:
        return pd.DataFrame(columns=[S.MEMBER_ID, "first_join", "last_join", "last_leave", "event_name"])
    rows = events[[S.TS, S.KIND, S.EVENT_MEMBERS]].explode(S.EVENT_MEMBERS).dropna(subset=[S.EVENT_MEMBERS])
    rows = rows[rows[S.EVENT_MEMBERS].astype(str).str.len() > 0]
    if rows.empty:
        return pd.DataFrame(columns=[S.MEMBER_ID, "first_join", "last_join", "last_leave", "event_name"])
    names = rows[S.EVENT_MEMBERS].astype(str)
    rows = rows.assign(event_name=names,
                       **{S.MEMBER_ID: names.map(lambda n: name_to_id.get(n) or _id_if_known(n, name_to_id))})
    joins = rows[rows[S.KIND] == "join"].groupby(S.MEMBER_ID)[S.TS].agg(first_join="min", last_join="max")
    leaves = rows[rows[S.KIND] == "leave"].groupby(S.MEMBER_ID)[S.TS].agg(last_leave="max")
    last_name = rows.sort_values(S.TS).groupby(S.MEMBER_ID)["event_name"].last()
    return joins.join(leaves, how="outer").join(last_name, how="outer").reset_index()


def _id_if_known(name: str, name_to_id: dict[str, str]) -> str:
    if name in name_to_id.values():  # a notice that names the member by id
        return name
    return S.name_based_id(name)


def _speech_summaries(messages: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Names seen per member, message stats per member, and the join/leave notices — computed
    with Arrow's group-by, so a group of millions of messages comes down to a few small frames."""
    kind = messages.column(S.KIND)
    speaking = pc.and_(pc.is_valid(messages.column(S.SENDER_ID)),
                       pc.invert(pc.is_in(kind, value_set=pa.array(sorted(SPEECH_EXCLUDED_KINDS)))))
    speech = messages.select([S.SENDER_ID, S.SENDER_NAME, S.TS])
    if not pc.all(speaking).as_py():
        speech = speech.filter(speaking)
    # One pass over the messages, per (member, name) in order of first appearance; the members'
    # own figures then come from those few rows.
    by_name = (speech.group_by([S.SENDER_ID, S.SENDER_NAME], use_threads=False)
               .aggregate([(S.TS, "min"), (S.TS, "max"), (S.TS, "count")])
               .rename_columns([S.SENDER_ID, S.SENDER_NAME, "first_seen", "last_seen", "count"]))
    seen = (by_name.filter(pc.is_valid(by_name.column(S.SENDER_NAME)))
            .select([S.SENDER_ID, S.SENDER_NAME, "first_seen", "last_seen"]).to_pandas())
    stats = (by_name.group_by(S.SENDER_ID, use_threads=False)
             .aggregate([("first_seen", "min"), ("last_seen", "max"), ("count", "sum")])
             .rename_columns([S.SENDER_ID, S.FIRST_MESSAGE, S.LAST_MESSAGE, S.MESSAGE_COUNT])
             .to_pandas().set_index(S.SENDER_ID))
    events = messages.filter(pc.is_in(kind, value_set=pa.array(["join", "leave"])))
    events = events.select([S.TS, S.KIND, S.EVENT_MEMBERS]).to_pandas()
    return seen, stats, events


def derive_members(group_id: str, messages: pa.Table | pd.DataFrame, roster: pd.DataFrame | None = None) -> pa.Table:
    """The members table (schema.MEMBERS_SCHEMA) of one group.

    Args:
        messages: the group's messages with at least ts, sender_id, sender_name, kind, event_members.
        roster: the group's member-list rows (member_id, name, joined_at, role), newest last.
    """
    if isinstance(messages, pd.DataFrame):
        messages = pa.Table.from_pandas(
            messages[[S.TS, S.SENDER_ID, S.SENDER_NAME, S.KIND, S.EVENT_MEMBERS]], preserve_index=False)
    seen, stats, events = _speech_summaries(messages)
    # Which member used a name most recently: notices and @mentions refer to members by name.
    name_to_id: dict[str, str] = {}
    for row in seen.sort_values("last_seen").itertuples(index=False):
        name_to_id[getattr(row, S.SENDER_NAME)] = getattr(row, S.SENDER_ID)
    roster = roster if roster is not None and not roster.empty else None
    if roster is not None:
        roster = roster.drop_duplicates(S.MEMBER_ID, keep="last")
        for mid, name in zip(roster[S.MEMBER_ID], roster[S.NAME]):
            if isinstance(name, str) and name and name not in name_to_id:
                name_to_id[name] = mid
    ev = _event_times(events, name_to_id).set_index(S.MEMBER_ID) if not events.empty else None

    ids: list[str] = list(stats.index)
    known = set(ids)
    for source in ([] if roster is None else roster[S.MEMBER_ID].tolist()) + ([] if ev is None else list(ev.index)):
        if source not in known:
            known.add(source)
            ids.append(source)

    history: dict[str, list[dict]] = {}
    latest_name: dict[str, str] = {}
    for row in seen.sort_values("first_seen").itertuples(index=False):
        mid = getattr(row, S.SENDER_ID)
        history.setdefault(mid, []).append({S.NAME: getattr(row, S.SENDER_NAME), "first_seen": row.first_seen,
                                            "last_seen": row.last_seen})
    for mid, names in history.items():
        latest_name[mid] = max(names, key=lambda n: n["last_seen"])[S.NAME]

    roster_by_id = roster.set_index(S.MEMBER_ID).to_dict("index") if roster is not None else {}
    events_by_id = ev.to_dict("index") if ev is not None else {}
    stats_by_id = stats.to_dict("index")
    out: dict[str, list] = {f.name: [] for f in S.MEMBERS_SCHEMA}
    for mid in ids:
        r, e, s = roster_by_id.get(mid), events_by_id.get(mid), stats_by_id.get(mid)
        name = latest_name.get(mid)
        if name is None and r is not None and isinstance(r[S.NAME], str):
            name = r[S.NAME]
        if name is None and e is not None and isinstance(e["event_name"], str):
            name = e["event_name"]
        joins = [t for t in ([r[S.JOINED_AT]] if r is not None else []) + ([e["first_join"]] if e is not None else [])
                 if not pd.isna(t)]
        last_join = e["last_join"] if e is not None else pd.NaT
        last_leave = e["last_leave"] if e is not None else pd.NaT
        left = last_leave if not pd.isna(last_leave) and (pd.isna(last_join) or last_leave >= last_join) else None
        out[S.GROUP_ID].append(group_id)
        out[S.MEMBER_ID].append(mid)
        out[S.NAME].append(name)
        out[S.NAMES_SEEN].append(history.get(mid, []))
        out[S.FIRST_MESSAGE].append(s[S.FIRST_MESSAGE] if s is not None else None)
        out[S.LAST_MESSAGE].append(s[S.LAST_MESSAGE] if s is not None else None)
        out[S.MESSAGE_COUNT].append(int(s[S.MESSAGE_COUNT]) if s is not None else 0)
        out[S.JOINED_AT].append(min(joins) if joins else None)
        out[S.LEFT_AT].append(left)
        out[S.ROLE].append(r[S.ROLE] if r is not None else None)
        out[S.IN_ROSTER].append(r is not None)
    return pa.table({k: pa.array(v, type=S.MEMBERS_SCHEMA.field(k).type) for k, v in out.items()},
                    schema=S.MEMBERS_SCHEMA)
