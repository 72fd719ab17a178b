// Global set-up of the test suite (`npm test`): start one `mockluma serve` for the whole run,
// point the SDK at it through its own environment variables, run every test file with node's
// test runner, then stop the server. Node 20's runner has no global set-up hook of its own,
// so this script is the test command.
//
// mockluma comes from the repository's .venv (scripts/setup); set MOCKLUMA to use another.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const mockluma = process.env.MOCKLUMA ?? resolve(here, "../../.venv/bin/mockluma");
if (!existsSync(mockluma)) {
  console.error(`mockluma not found at ${mockluma}: run scripts/setup at the repository root, or set MOCKLUMA.`);
  process.exit(2);
}

// A manual clock: generations move on only when polled (polls:1) or when a test advances
// the clock, so the suite never waits on real time.
const server = spawn(
  mockluma,
  ["serve", "--port", "0", "--clock", "manual", "--progression", "polls:1", "--seed", "7", "--quiet"],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const root = await new Promise((resolveRoot, reject) => {
  server.once("exit", (code) => reject(new Error(`mockluma serve exited (${code}) before it was ready`)));
  const lines = createInterface({ input: server.stdout });
  let url;
  lines.on("line", (line) => {
    const match = line.match(/ listening on (http:\/\/\S+)/);
    if (match) url = match[1];
    if (line.startsWith("Request log:") || line.includes("Press Ctrl-C")) resolveRoot(url);
  });
});

const files = readdirSync(join(here, "test"))
  .filter((name) => name.endsWith(".test.mjs"))
  .map((name) => join(here, "test", name));
const tests = spawn(process.execPath, ["--test", ...files], {
  stdio: "inherit",
  env: {
    ...process.env,
    MOCKLUMA_URL: root,
    LUMAAI_BASE_URL: `${root}/dream-machine/v1`,
    LUMAAI_API_KEY: "luma-node-example",
  },
});
const code = await new Promise((done) => tests.once("exit", (status) => done(status ?? 1)));
server.kill("SIGINT");
await new Promise((done) => server.once("exit", done));
process.exit(code);
