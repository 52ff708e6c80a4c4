"""Simulator family B: QQ groups generated independently of ``grouplens.simulate`` (different
text, cast, timing and reply patterns), written as a QQ TXT export, a member list and a truth
file, for measuring roles and tags on data the rules were not tuned on.

    python bench/simfamily_b --out sim-b/ --seed 7 --members 400 --weeks 6

or from Python (with ``bench/`` on ``sys.path``)::

    from simfamily_b import GroupB, write_group
    paths = write_group(Path("out"), GroupB(seed=7, members=400, weeks=6))
"""

from .export import TRUTH_FORMAT, write_group
from .group import GroupB, Settings

__all__ = ["TRUTH_FORMAT", "GroupB", "Settings", "write_group"]
