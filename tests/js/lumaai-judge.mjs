// The official TypeScript SDK (npm `lumaai`), unmodified, against mockluma: only the base URL
// changes. Prints one JSON object of what the SDK saw; tests/fidelity/test_js_clients.py
// asserts on it. Usage: node lumaai-judge.mjs <dream-machine base URL> <api key>
import LumaAI from "lumaai";

const [baseURL, authToken] = process.argv.slice(2);
const client = new LumaAI({ authToken, baseURL, maxRetries: 0 });
const seen = {};

async function finished(id) {
  // The mock under test moves a generation on at each poll (progression polls:1).
  for (let attempt = 0; attempt < 20; attempt++) {
    const generation = await client.generations.get(id);
    if (generation.state === "completed" || generation.state === "failed") return generation;
  }
  throw new Error(`generation ${id} did not finish`);
}

async function refusal(call) {
  try {
    await call();
    return { refused: false };
  } catch (error) {
    return { refused: true, class: error.constructor.name, status: error.status, body: error.error };
  }
}

const video = await client.generations.create({
  model: "ray-flash-2",
  prompt: "a red fox in the snow",
  aspect_ratio: "9:16",
  duration: "5s",
});
const done = await finished(video.id);
seen.video = { created: video.state, state: done.state, has_video: Boolean(done.assets?.video) };
const download = await fetch(done.assets.video);
seen.video.content_type = download.headers.get("content-type");

const image = await client.generations.image.create({ model: "photon-flash-1", prompt: "a lighthouse" });
seen.image = { state: (await finished(image.id)).state };

const unreadable = await client.generations.create({
  model: "ray-2",
  prompt: "a tiger",
  keyframes: { frame0: { type: "image", url: "https://example.com/tiger.jpg" } },
});
const failed = await finished(unreadable.id);
seen.unreadable = { state: failed.state, failure_reason: failed.failure_reason };

seen.too_short = await refusal(() => client.generations.create({ model: "ray-2", prompt: "hi" }));
seen.resolution = await refusal(() =>
  client.generations.create({ model: "ray-2", prompt: "a calm sea", resolution: "1080" }),
);
seen.wrong_key = await refusal(() =>
  new LumaAI({ authToken: "a-wrong-key", baseURL, maxRetries: 0 }).generations.list(),
);
seen.not_found = await refusal(() =>
  client.generations.get("3f0c6d1e-0000-4000-8000-000000000000"),
);
seen.marker = await refusal(() =>
  client.generations.create({ model: "ray-2", prompt: "a fox [mockluma:fail=bogus]" }),
);
seen.credits = (await client.credits.get()).credit_balance;
console.log(JSON.stringify(seen));
