from typing import List, Optional, Sequence, Tuple

from ._elf_dynamic import DynamicFound, HeadFound

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
def dynamic_pass(
    pieces: Sequence[bytes | bytearray],
    starts: List[int],
    size: int,
    bits: int,
    big_endian: bool,
    wide_hash: bool,
    loads: List[Tuple[int, int, int]],
    dynamic: Tuple[int, int, int],
    prefixes: Optional[Tuple[bytes, ...]],
    python_prefixes: Tuple[bytes, ...],
) -> Optional[DynamicFound]: ...
def elf_facts(
    pieces: Sequence[bytes | bytearray],
    starts: List[int],
    size: int,
    prefixes: Tuple[bytes, ...],
    python_prefixes: Tuple[bytes, ...],
    wide_hash_machines: Tuple[int, ...],
) -> Optional[Tuple[HeadFound, DynamicFound]]: ...
def zip_walk(
    fd: int, file_size: int, directory: bytes, count: int, directory_offset: int
) -> Optional[Tuple[List[str], List[Tuple[str, int, int, int, int, int]]]]: ...
def read_member(
    fd: int, offset: int, compressed: int, size: int, method: int, out: bytearray, scratch: bytearray
) -> Tuple[int, int, bool, bool, Optional[str]]: ...
def scratch(size: int) -> bytearray: ...
def crc32(data: bytes, crc: int) -> int: ...
