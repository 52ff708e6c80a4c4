"""Chat logs for benchmarks, written once and kept in a cache folder (bench/out by default).

Two kinds:

- **synthetic** (``synthesize``): the same messages as a classic QQ TXT export, a plain CSV and a
  WhatsApp export, so that each reader is measured on identical content. One conversation, 500
  members, phrases drawn at random: right for measuring parsers, wrong for roles or reports.
- **weeks** (``ensure_weeks``): a realistic group from ``grouplens.simulate`` (topics, questions
  and answers, operators, shills, joins and leaves) over many weeks, written as a QQ TXT export
  of all weeks but the last (``year.txt``), one of the last week (``week.txt``), the member list
  and the texts of the first file (``texts.json``), for the roles and report benchmarks.

Usage:
    python bench/generate.py --messages 1000000                  # synthetic, into bench/out/synthetic-1000000
    python bench/generate.py --weeks 53 --members 500 --activity 8.5
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from array import array
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

PHRASES = [
    "大家好，今天的群公告请看一下", "周六几点开场？", "收到，谢谢", "其实我觉得这个方案未必可行",
    "打卡第{n}天，今天练了半小时", "[图片]", "[表情]", "有没有人知道这个药饭前吃还是饭后吃？",
    "同意楼上的说法", "早上好☀️", "晚安", "这个优惠活动什么时候结束", "我也遇到过这个问题，后来换了一家店就好了",
    "@{name} 你说的那个链接发一下", "哈哈哈哈", "+1", "今天的知识卡片：睡前一小时不要看手机",
    "下午两点，老地方体育馆3号场\n记得带球拍和水", "医生说要多喝水，少熬夜", "新人报到，请多关照",
    "正品代购，加V了解 wx{n}", "明天见", "这个问题我来回答：一般饭后半小时服用", "[语音]",
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")


@dataclass
class Synthetic:
    ts: np.ndarray  # datetime64[s], local wall-clock
    names: list[str]
    ids: list[str]
    sender: np.ndarray  # index into names
    texts: list[str]


def synthesize(n: int, members: int = 500, seed: int = 7) -> Synthetic:
    rng = np.random.default_rng(seed)
    names = [f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[(i * 7) % len(GIVEN)]}{i}" for i in range(members)]
    ids = [str(100000000 + i * 7919) for i in range(members)]
    start = np.datetime64("2023-01-01T08:00:00")
    gaps = rng.exponential(scale=20.0, size=n).astype(np.int64) + 1
    ts = start + np.cumsum(gaps).astype("timedelta64[s]")
    weights = 1.0 / np.arange(1, members + 1) ** 0.9  # a few talk a lot, most rarely
    sender = rng.choice(members, size=n, p=weights / weights.sum())
    phrase = rng.integers(0, len(PHRASES), size=n)
    num = rng.integers(1, 100, size=n)
    other = rng.integers(0, members, size=n)
    texts = [PHRASES[p].format(n=k, name=names[o]) for p, k, o in zip(phrase, num, other)]
    return Synthetic(ts, names, ids, sender, texts)


def _local(ts: np.ndarray) -> list[datetime]:
    return ts.astype(datetime).tolist()


def write_qq_txt(s: Synthetic, path: Path, group: str = "压测群") -> None:
    sep = "=" * 64
    parts = ["\ufeff消息记录（此消息记录为文本格式，不支持重新导入）", "", sep, "消息分组:我的群聊", sep,
             f"消息对象:{group}", sep, ""]
    for t, who, text in zip(_local(s.ts), s.sender.tolist(), s.texts):
        parts.append(f"{t:%Y-%m-%d} {t.hour}:{t:%M:%S} {s.names[who]}({s.ids[who]})")
        parts.append(text)
        parts.append("")
    path.write_bytes("\r\n".join(parts).encode("utf-8"))


def write_csv(s: Synthetic, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ts", "sender_id", "sender_name", "text"])
        for t, who, text in zip(_local(s.ts), s.sender.tolist(), s.texts):
            w.writerow([f"{t:%Y-%m-%d %H:%M:%S}", s.ids[who], s.names[who], text])


def write_whatsapp(s: Synthetic, path: Path) -> None:
    lines = []
    for t, who, text in zip(_local(s.ts), s.sender.tolist(), s.texts):
        lines.append(f"[{t:%Y-%m-%d, %H:%M:%S}] {s.names[who]}: {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def coarse(s: Synthetic) -> Synthetic:
    """The same messages with times cut to the minute and a tenth of them posted twice: many
    messages share a second, and some are identical (same sender, second and text)."""
    twice = np.repeat(np.arange(len(s.texts)), np.where(np.arange(len(s.texts)) % 10 == 0, 2, 1))
    return Synthetic(s.ts[twice].astype("datetime64[m]").astype("datetime64[s]"), s.names, s.ids, s.sender[twice],
                     [s.texts[i] for i in twice.tolist()])


CACHE = Path(__file__).resolve().parent / "out"
_WRITERS = {"qq.txt": write_qq_txt, "same.csv": write_csv, "whatsapp.txt": write_whatsapp,
            "qq-coarse.txt": lambda s, path: write_qq_txt(coarse(s), path)}


def ensure_synthetic(n: int, files: tuple[str, ...] = ("qq.txt", "same.csv", "whatsapp.txt"), cache: Path = CACHE) -> dict[str, Path]:
    """The synthetic set of ``n`` messages in the given layouts (``qq.txt``, ``same.csv``,
    ``whatsapp.txt``, and ``qq-coarse.txt``: see ``coarse``), written into ``cache/synthetic-<n>/``
    unless already there."""
    folder = cache / f"synthetic-{n}"
    paths = {name: folder / name for name in files}
    missing = [name for name, path in paths.items() if not path.exists()]
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        s = synthesize(n)
        for name in missing:
            tmp = paths[name].with_suffix(".partial")
            _WRITERS[name](s, tmp)
            tmp.replace(paths[name])
    return paths


def ensure_weeks(members: int, weeks: int, activity: float, seed: int = 3, cache: Path = CACHE) -> dict[str, Path]:
    """A simulated group over ``weeks`` weeks starting on a Monday, split into the export of its
    first ``weeks - 1`` weeks (``year``) and of its last week (``week``), with its member list
    (``members``), the texts of the first export (``texts``, a JSON list) and ``info`` (counts).
    Written into ``cache/weeks-<members>-<weeks>-<activity>-<seed>/`` unless already there."""
    from grouplens.simulate import SimParams, simulate_group
    from grouplens.simulate.export import member_list_csv
    from grouplens.simulate.export import write_qq_txt as write_sim_txt

    folder = cache / f"weeks-{members}-{weeks}-{activity:g}-{seed}"
    paths = {"year": folder / "year.txt", "week": folder / "week.txt", "members": folder / "members.csv",
             "texts": folder / "texts.json", "info": folder / "info.json"}
    if paths["info"].exists():
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    group = simulate_group(members, weeks, seed, SimParams(activity=activity, start=date(2024, 1, 1)))  # a Monday
    msgs = group.messages
    cut = next((i for i, t in enumerate(msgs.ts) if t >= (weeks - 1) * 7 * 86400), len(msgs))
    for name, lo, hi in (("year", 0, cut), ("week", cut, len(msgs))):
        part = dataclasses.replace(msgs, ts=array("q", msgs.ts[lo:hi]), sender=array("i", msgs.sender[lo:hi]),
                                   text=msgs.text[lo:hi], intent=array("B", msgs.intent[lo:hi]),
                                   reply_to=array("i", [-1] * (hi - lo)))
        write_sim_txt(paths[name], dataclasses.replace(group, messages=part))
    paths["members"].write_bytes(member_list_csv(group).encode("utf-8-sig"))
    paths["texts"].write_text(json.dumps(msgs.text[:cut], ensure_ascii=False), encoding="utf-8")
    paths["info"].write_text(json.dumps({"messages": len(msgs), "year": cut, "week": len(msgs) - cut,
                                         "members": members, "weeks": weeks, "activity": activity, "seed": seed}),
                             encoding="utf-8")
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, help="write the synthetic set of this many messages")
    ap.add_argument("--weeks", type=int, help="write a simulated group over this many weeks")
    ap.add_argument("--members", type=int, default=500)
    ap.add_argument("--activity", type=float, default=8.5)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=CACHE)
    args = ap.parse_args()
    if args.messages is None and args.weeks is None:
        args.messages = 1_000_000
    if args.messages is not None:
        paths = ensure_synthetic(args.messages, cache=args.out)
        print(f"{args.messages:,} synthetic messages in {paths['qq.txt'].parent}")
    if args.weeks is not None:
        paths = ensure_weeks(args.members, args.weeks, args.activity, args.seed, cache=args.out)
        info = json.loads(paths["info"].read_text(encoding="utf-8"))
        print(f"{info['year']:,} + {info['week']:,} simulated messages in {paths['year'].parent}")


if __name__ == "__main__":
    main()
