"""ops.row_digest.Outputs: output by digest key, in process memory in front of the shared cache."""

from __future__ import annotations

from django.core.cache import cache

from ops.row_digest import Outputs


def test_an_output_is_read_from_memory_then_from_the_shared_cache():
    mine, other = Outputs(max_bytes=1000), Outputs(max_bytes=1000)
    mine.set("k", b"page", timeout=60)
    assert cache.get("k") == b"page"  # written through to the shared cache
    assert other.get("k") == b"page" and len(other) == 1  # another process keeps its copy
    cache.clear()
    assert mine.get("k") == b"page" and other.get("k") == b"page"
    assert Outputs(max_bytes=1000).get("k") is None


def test_memory_keeps_the_most_recently_used_within_its_bytes():
    outputs = Outputs(max_bytes=10)
    outputs.set("a", b"1234", timeout=60)
    outputs.set("b", b"1234", timeout=60)
    assert outputs.get("a") == b"1234"  # now the most recently used
    outputs.set("c", b"1234", timeout=60)  # 12 bytes: the least recently used ("b") goes
    cache.clear()
    assert (outputs.get("a"), outputs.get("b"), outputs.get("c")) == (b"1234", None, b"1234")
    outputs.set("big", b"x" * 11, timeout=60)  # larger than the memory: shared cache only
    assert len(outputs) == 2 and cache.get("big") == b"x" * 11
    outputs.set("a", b"1234567", timeout=60)  # replaced: counted at its new size
    assert outputs.get("c") is None and outputs.get("a") == b"1234567"
