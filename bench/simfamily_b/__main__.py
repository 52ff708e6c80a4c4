"""Write one family-B group: ``python bench/simfamily_b --out DIR --seed N --members M --weeks W``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simfamily_b import GroupB, write_group


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--members", type=int, default=300)
    p.add_argument("--weeks", type=int, default=6)
    p.add_argument("--quiet-group", action="store_true", help="a group without real discussion")
    a = p.parse_args(argv)
    g = GroupB(a.seed, a.members, a.weeks, lively=False if a.quiet_group else None)
    paths = write_group(a.out, g)
    for k, v in paths.items():
        print(f"{k}: {v}")
    print(f"{len(g.messages):,} messages, {len(g.members)} members, lively={g.s.lively}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
