import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { VideoFailed, creditsLeft, downloadVideo, makeClient, startVideo, waitForVideo } from "../src/videos.mjs";

const root = process.env.MOCKLUMA_URL;

async function control(path, body) {
  const response = await fetch(`${root}/_mockluma${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: HTTP ${response.status}`);
  return response.json();
}

beforeEach(async () => {
  await control("/reset", {}); // every test starts with no generations and a full balance
});

test("a video is made, polled to completion and downloaded", async () => {
  const client = makeClient();
  const id = await startVideo(client, "a red fox in snow");
  const url = await waitForVideo(client, id);
  const video = await downloadVideo(url);
  assert.equal(new TextDecoder().decode(video.slice(4, 8)), "ftyp"); // a real MP4
  assert.ok(video.length > 1000);
  const journal = await control(`/journal?generation_id=${id}`);
  assert.equal(journal.filter((exchange) => exchange.method === "POST").length, 1);
});

test("a moderated prompt surfaces Luma's failure reason", async () => {
  const client = makeClient();
  const id = await startVideo(client, "a storm [mockluma:fail=moderation]");
  await assert.rejects(waitForVideo(client, id), (error) => {
    assert.ok(error instanceof VideoFailed);
    assert.match(error.message, /moderation/i);
    return true;
  });
});

test("a video is charged when accepted and refunded when it fails", async () => {
  const client = makeClient();
  const before = await creditsLeft(client);
  const id = await startVideo(client, "a calm sea [mockluma:fail=job]");
  assert.ok((await creditsLeft(client)) < before);
  await assert.rejects(waitForVideo(client, id), VideoFailed);
  assert.equal(await creditsLeft(client), before);
});

test("time on the mock's clock finishes a generation without polling", async () => {
  const client = makeClient();
  const id = await startVideo(client, "a paper boat", { aspectRatio: "1:1" });
  await control("/clock/advance", { seconds: 600 });
  const generation = await client.generations.get(id);
  assert.equal(generation.state, "completed");
  assert.equal(generation.request.aspect_ratio, "1:1");
});

test("a server error reaches the app as the SDK's error", async () => {
  await fetch(`${root}/_mockluma/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ match: { path: "*/credits" }, error: { status: 503 }, times: 1 }),
  });
  const client = makeClient();
  await assert.rejects(creditsLeft(client), (error) => {
    assert.equal(error.status, 503);
    return true;
  });
});
