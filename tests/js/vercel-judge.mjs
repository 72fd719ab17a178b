// The Vercel AI SDK (`ai`) with its Luma provider (`@ai-sdk/luma`), unmodified, against
// mockluma: only the base URL changes. Prints one JSON object of what it saw;
// tests/fidelity/test_js_clients.py asserts on it. Usage: node vercel-judge.mjs <root URL> <key>
import { createLuma } from "@ai-sdk/luma";
import { generateImage } from "ai";

const [baseURL, apiKey] = process.argv.slice(2);
// The provider appends /dream-machine/v1/generations/... to its base URL itself.
const luma = createLuma({ apiKey, baseURL });
const fast = { luma: { pollIntervalMillis: 5, maxPollAttempts: 50 } };
const seen = {};

async function attempt(options) {
  try {
    const result = await generateImage({ maxRetries: 0, providerOptions: fast, ...options });
    const bytes = result.image.uint8Array;
    return { ok: true, bytes: bytes.length, jpeg: bytes[0] === 0xff && bytes[1] === 0xd8 };
  } catch (error) {
    return {
      ok: false,
      name: error.name,
      message: error.message,
      status: error.statusCode,
      body: error.responseBody,
    };
  }
}

seen.image = await attempt({ model: luma.image("photon-flash-1"), prompt: "a fox", aspectRatio: "1:1" });
seen.unknown_model = await attempt({ model: luma.image("photon-9"), prompt: "a fox" });
seen.bad_aspect = await attempt({ model: luma.image("photon-1"), prompt: "a fox", aspectRatio: "2:1" });
seen.too_short = await attempt({ model: luma.image("photon-1"), prompt: "hi" });
seen.wrong_key = await attempt({
  model: createLuma({ apiKey: "a-wrong-key", baseURL }).image("photon-1"),
  prompt: "a fox",
});
console.log(JSON.stringify(seen));
