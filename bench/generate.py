"""Synthetic chat logs for benchmarks: the same messages as a classic QQ TXT export, a plain CSV
and a WhatsApp export, so that each reader is measured on identical content.

Usage: python bench/generate.py --messages 1000000 --out bench/out
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from datetime import datetime
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    s = synthesize(args.messages)
    write_qq_txt(s, args.out / "qq.txt")
    write_csv(s, args.out / "same.csv")
    write_whatsapp(s, args.out / "whatsapp.txt")
    print(f"wrote {args.messages} messages to {args.out}")


if __name__ == "__main__":
    main()
