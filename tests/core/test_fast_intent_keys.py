"""core.ids.fast_intent_key: canonical random UUID4 strings, unique, fresh in a forked child."""

from __future__ import annotations

import os
import uuid

from scalp_system.core.ids import FastIntentKeys, fast_intent_key, is_intent_key


def test_keys_are_canonical_version_4_uuids() -> None:
    for _ in range(3_000):  # crosses several refills
        key = fast_intent_key()
        parsed = uuid.UUID(key)
        assert is_intent_key(key) and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_keys_do_not_repeat_within_or_across_generators() -> None:
    first, second = FastIntentKeys(), FastIntentKeys()
    keys = [first.next() for _ in range(5_000)] + [second.next() for _ in range(5_000)]
    assert len(set(keys)) == len(keys)


def test_a_forked_child_draws_keys_the_parent_does_not() -> None:
    fast_intent_key()  # the parent holds unused keys
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next key and leave at once
        os.write(write_end, fast_intent_key().encode())
        os._exit(0)
    os.close(write_end)
    child_key = os.read(read_end, 64).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    assert is_intent_key(child_key) and child_key not in {fast_intent_key() for _ in range(2_000)}


def test_keys_drawn_from_many_threads_at_once_are_all_different() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from scalp_system.core.ids import FastIntentKeys

    keys = FastIntentKeys()
    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(lambda _: [keys.next() for _ in range(3000)], range(8)))
    drawn = [key for batch in batches for key in batch]
    assert len(set(drawn)) == len(drawn) == 24_000
