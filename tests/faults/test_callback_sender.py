"""The callback sender keeps a bounded number of POSTs on the wire, whatever it is handed.

A thousand generations finishing at once must not become a thousand requests queued inside
httpx's connection pool (whose bookkeeping held the event loop for seconds, and whose waits
counted against each attempt's timeout): the others wait their turn, and each timeout covers
the receiver alone.
"""

from __future__ import annotations

import asyncio

from starlette.types import Receive, Scope, Send

from mockluma.app.callbacks import IN_PROCESS_HOST, HttpSender


def test_at_most_parallel_posts_are_on_the_wire() -> None:
    on_the_wire = 0
    most = 0

    async def receiver(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal on_the_wire, most
        while (await receive()).get("more_body", False):
            pass
        on_the_wire += 1
        most = max(most, on_the_wire)
        await asyncio.sleep(0.01)
        on_the_wire -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def deliver_many() -> list[int]:
        sender = HttpSender(receiver)
        try:
            url = f"http://{IN_PROCESS_HOST}/inbox"
            return await asyncio.gather(*(sender(url, b"{}", 0.5) for _ in range(200)))
        finally:
            await sender.close()

    statuses = asyncio.run(deliver_many())
    assert statuses == [200] * 200
    assert most == HttpSender.parallel
