// The application code under test: it knows nothing of mockluma. It talks to Luma's Dream
// Machine API through the official SDK, which reads LUMAAI_BASE_URL and LUMAAI_API_KEY (the
// test set-up points them at the mock).
import LumaAI from "lumaai";

export class VideoFailed extends Error {
  constructor(generation) {
    super(`The video could not be made: ${generation.failure_reason}`);
    this.generation = generation;
  }
}

export function makeClient(options = {}) {
  return new LumaAI({ maxRetries: 0, ...options });
}

/** Start a 5 s video of `prompt`; returns the generation's id. */
export async function startVideo(client, prompt, { aspectRatio = "16:9" } = {}) {
  const generation = await client.generations.create({
    model: "ray-flash-2",
    prompt,
    aspect_ratio: aspectRatio,
    duration: "5s",
    resolution: "540p",
  });
  return generation.id;
}

/** Poll until the generation is done; returns its video URL or throws VideoFailed. */
export async function waitForVideo(client, id, { pollMs = 0, maxPolls = 100 } = {}) {
  for (let poll = 0; poll < maxPolls; poll++) {
    const generation = await client.generations.get(id);
    if (generation.state === "completed") return generation.assets.video;
    if (generation.state === "failed") throw new VideoFailed(generation);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`Generation ${id} was not done after ${maxPolls} polls.`);
}

/** Download a finished video; returns its bytes. */
export async function downloadVideo(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Download failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** What the account has left, in US cents. */
export async function creditsLeft(client) {
  const credits = await client.credits.get();
  return credits.credit_balance;
}
