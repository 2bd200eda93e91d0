"""Android wheels: placeholder, filled in below."""

from __future__ import annotations

from typing import Iterable, Sequence

from ._binary import BinaryFacts
from ._images import ImageFacts, Judgement


def judge_android(binaries: Sequence[BinaryFacts], images: Sequence[ImageFacts], declared: Iterable[str]) -> Judgement:
    return Judgement((), (), ("Android wheels cannot be judged yet",), (), judged=False)
