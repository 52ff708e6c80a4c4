"""Any text survives the store: CJK, emoji, control characters; only invisible characters go."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grouplens import open_store
from grouplens import schema as S
from grouplens.importers import ParsedConversation
from grouplens.importers.base import MessageRows
from grouplens.importers.textutil import clean_text
from grouplens.store.ingest import import_conversations

chat_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
        st.sampled_from(list("，。！？【】「」 \n\t\r\x00\x01\x7f\u200b\u200d\ufeff\u2005@[]<>\"'\\")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(chat_text, min_size=1, max_size=12), name=chat_text)
def test_arbitrary_text_round_trips_through_the_store(texts: list[str], name: str) -> None:
    rows = MessageRows()
    start = datetime(2024, 3, 1, tzinfo=UTC)
    for i, text in enumerate(texts):
        rows.add(ts=start + timedelta(seconds=i), sender_id="10001", sender_name=name, kind="text", text=text)
    conv = ParsedConversation(platform="qq", name="往返群", messages=rows.to_table())
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        report = import_conversations(store, [conv], source="hypothesis")
        assert report.totals()["added"] == len(texts)
        df = open_store(store).messages()
        assert df[S.TEXT].tolist() == [clean_text(t) for t in texts]
        assert set(df[S.SENDER_NAME]) == {clean_text(name)}
        # and importing the same messages again adds nothing
        assert import_conversations(store, [conv], source="hypothesis").totals()["added"] == 0
