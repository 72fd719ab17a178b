"""A small application built on Luma's Dream Machine API: the code under test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from lumaai import AsyncLumaAI, LumaAI


class VideoFailed(Exception):
    """Luma reported the generation as failed."""


class VideoApp:
    """Starts videos and waits for them, polling as Luma's docs recommend."""

    def __init__(
        self,
        luma_base_url: str | None = None,
        api_key: str | None = None,
        poll_interval: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # With no arguments the SDK reads LUMAAI_BASE_URL and LUMAAI_API_KEY.
        self.client = LumaAI(auth_token=api_key, base_url=luma_base_url)
        self.poll_interval = poll_interval
        self.sleep = sleep

    def start_video(self, prompt: str, aspect_ratio: str = "16:9") -> str:
        generation = self.client.generations.create(
            model="ray-flash-2",
            prompt=prompt,
            aspect_ratio=aspect_ratio,  # type: ignore[arg-type]
        )
        assert generation.id is not None
        return generation.id

    def fetch_result(self, generation_id: str) -> str:
        """Wait for the generation and return its video URL."""
        while True:
            generation = self.client.generations.get(generation_id)
            if generation.state == "completed":
                assert generation.assets is not None
                assert generation.assets.video is not None
                return generation.assets.video
            if generation.state == "failed":
                raise VideoFailed(generation.failure_reason)
            self.sleep(self.poll_interval)

    def download(self, url: str) -> bytes:
        return httpx.get(url).raise_for_status().content

    def close(self) -> None:
        self.client.close()


class AsyncVideoApp:
    """The same application written with the async SDK."""

    def __init__(self, luma_base_url: str, api_key: str, poll_interval: float = 3.0) -> None:
        self.client = AsyncLumaAI(auth_token=api_key, base_url=luma_base_url)
        self.poll_interval = poll_interval

    async def make_video(self, prompt: str) -> str:
        generation = await self.client.generations.create(model="ray-2", prompt=prompt)
        assert generation.id is not None
        while generation.state not in ("completed", "failed"):
            await asyncio.sleep(self.poll_interval)
            generation = await self.client.generations.get(generation.id)
        if generation.state == "failed":
            raise VideoFailed(generation.failure_reason)
        assert generation.assets is not None
        assert generation.assets.video is not None
        return generation.assets.video

    async def close(self) -> None:
        await self.client.close()
