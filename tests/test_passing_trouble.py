"""The server's passing troubles: a database out of reach, a full disk, SQLite's write lock held by
another process. Clients are told to come back (503/507 with Retry-After and a message), and a
check sent while another process holds the lock waits its turn instead of failing."""

from __future__ import annotations

import errno
import sqlite3
import threading
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine

from server.errors import passing_trouble
from server.settings import Settings
from tests.conftest import PG_URL, check_body, new_uuid, token_for
from tests.live import free_port


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock; PostgreSQL has row locks")
async def test_a_check_waits_while_another_process_holds_the_write_lock(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    headers = await token_for(client, "officer")
    other = sqlite3.connect(settings.data_dir / "xuncha.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # as another worker in the middle of its write
    released = threading.Timer(1.0, lambda: other.execute("ROLLBACK"))
    released.start()
    try:
        check_uuid = new_uuid()
        response = await client.put(f"/api/v1/checks/{check_uuid}", json=check_body(), headers=headers)
    finally:
        released.join()
        other.close()
    assert response.status_code == 201, response.text
    stored = await client.get(f"/api/v1/checks/{check_uuid}", headers=headers)
    assert stored.status_code == 200 and len(stored.json()["findings"]) == 1


async def test_a_database_out_of_reach_is_a_503_to_come_back_to() -> None:
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing")
    try:
        with pytest.raises(Exception) as refused:
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    status, code, message, retry_after = passing_trouble(refused.value) or (0, "", "", 0)
    assert (status, code) == (503, "database_unavailable")
    # Outside a request the message is in the interface's default language, Chinese.
    assert retry_after > 0 and "数据库" in message


def test_a_full_disk_is_a_507_and_other_errors_stay_500() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("writing the photo failed") from exc
    except RuntimeError as wrapped:
        trouble = passing_trouble(wrapped)
    assert trouble is not None and trouble[:2] == (507, "insufficient_storage")
    assert passing_trouble(ValueError("a bug")) is None
    assert passing_trouble(OSError(errno.EACCES, "Permission denied")) is None
