from collections.abc import Callable

def configure(
    prefilter: bytes,
    keyword: bytes,
    labels: list[bytes],
    memo: dict[object, object],
    digest: Callable[[bytes, bytes, bytes], object],
    fragment: Callable[[int, int, bytes], object],
    limits: tuple[int, int, int, int, int, int, int, int, int, int],
    /,
) -> None: ...
def walk(scan: object, /) -> None: ...
