from typing import Optional, Tuple

__build_version__: str

def detect() -> Tuple[Optional[str], Optional[str], Optional[str], Optional[str], bool,
                      Optional[Tuple[int, int, int]], Optional[bool], str]: ...
def musl_version_in(data: bytes) -> Tuple[bool, Optional[str], str]: ...
