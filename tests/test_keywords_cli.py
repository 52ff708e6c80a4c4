"""`grouplens keywords` and the token cache behind it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from grouplens import import_paths, open_store
from grouplens import schema as S
from grouplens.analysis.group import load_group
from grouplens.cli import app
from grouplens.text.segment import Segmenter
from grouplens.text.tokens import cache_dir, message_tokens

SEP = "=" * 64


def export(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["消息记录（此消息记录为文本格式，不支持重新导入）", "", SEP, "消息分组:我的群聊", SEP, "消息对象:睡眠科交流群", SEP, ""]
    for when, who, text in rows:
        lines += [f"{when} {who}", text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


WEEK1 = [("2024-03-04 21:00:00", "王医生(10001)", "失眠的朋友可以试试认知行为治疗"),
         ("2024-03-04 21:05:00", "小李(10002)", "认知行为治疗要做多久？"),
         ("2024-03-05 22:00:00", "王医生(10001)", "认知行为治疗一般六到八周，睡前不要看手机"),
         ("2024-03-06 22:30:00", "小李(10002)", "今天睡前没看手机，睡得好多了")]
WEEK2 = [("2024-03-11 07:00:00", "小张(10003)", "早起打卡，早睡早起第一天"),
         ("2024-03-12 07:00:00", "小张(10003)", "早起打卡，早睡早起第二天"),
         ("2024-03-13 07:00:00", "小李(10002)", "早起打卡，跟着小张一起早睡早起")]


def test_keywords_by_week_name_each_weeks_topic(tmp_path: Path) -> None:
    store = tmp_path / "store"
    import_paths(store, [export(tmp_path / "a.txt", WEEK1 + WEEK2)])
    result = CliRunner().invoke(app, ["keywords", "--store", str(store), "--by", "week", "--top", "2",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    top = {r["period"]: r["term"] for r in rows if r["rank"] == 1}
    assert top["2024-W10"] in {"认知", "治疗", "手机", "睡前"} and top["2024-W11"] in {"早起", "打卡", "早睡"}


def test_tokens_are_cached_and_only_new_messages_are_segmented(tmp_path: Path, monkeypatch) -> None:
    store_path = tmp_path / "store"
    import_paths(store_path, [export(tmp_path / "a.txt", WEEK1)])
    store = open_store(store_path)
    seg = Segmenter()
    first = load_group(store)
    message_tokens(store, first.group_id, first.messages, seg)
    assert len(list(cache_dir(store, first.group_id, seg).glob("*.parquet"))) == 1

    import_paths(store_path, [export(tmp_path / "b.txt", WEEK2)])
    segmented: list[int] = []
    real = Segmenter.message_tokens
    monkeypatch.setattr(Segmenter, "message_tokens", lambda self, m: segmented.append(len(m)) or real(self, m))
    data = load_group(store)
    tokens = message_tokens(store, data.group_id, data.messages, seg)
    assert segmented == [3]  # the three new messages, not all seven
    assert len(tokens) == 7 and "打卡" in tokens.iloc[-1]
    again = message_tokens(store, data.group_id, data.messages, seg)
    assert segmented == [3] and again.tolist() == tokens.tolist()
    assert data.messages[S.MSG_ID].is_unique
