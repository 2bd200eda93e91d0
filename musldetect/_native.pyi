from typing import List, Optional, Tuple

__build_version__: str

# RawLibc's fields, in its order: family, version_string, path, static, interpreter,
# min_version, time64_symbols, reason.
def detect() -> Tuple[
    Optional[str],
    Optional[str],
    Optional[str],
    bool,
    Optional[str],
    Optional[Tuple[int, int, int]],
    Optional[bool],
    str,
]: ...
def musl_version_in(data: bytes) -> Tuple[bool, Optional[str], str]: ...
def symbol_pass(
    table: bytes, strings: bytes, entry_size: int, big_endian: bool, prefixes: Optional[Tuple[bytes, ...]]
) -> Optional[Tuple[List[str], List[int], List[int], List[str]]]: ...
