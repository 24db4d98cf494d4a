"""What rule enforcement remembers about recent sessions, bounded.

A batch is usually one slice of a page: its mutations name nodes that an
earlier batch's snapshot serialised, and only a page's first batch says
which page it is. Enforcement keeps, per recent session, the page it is on
and which nodes sit in blocked or masked subtrees. The memory holds the
most recently seen ``limit`` sessions; a session pushed out (or one that
started before a restart) is enforced from its next full snapshot on.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SessionMemory(Generic[T]):
    def __init__(self, make: Callable[[], T], limit: int = 20_000) -> None:
        self.make = make
        self.limit = limit
        self._items: OrderedDict[tuple[str, str], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> T:
        """The session's state, made fresh when there is none."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                item = self._items[key] = self.make()
                if len(self._items) > self.limit:
                    self._items.popitem(last=False)
            else:
                self._items.move_to_end(key)
            return item

    def reset(self, key: tuple[str, str]) -> T:
        with self._lock:
            item = self._items[key] = self.make()
            self._items.move_to_end(key)
            return item

    def __len__(self) -> int:
        return len(self._items)
