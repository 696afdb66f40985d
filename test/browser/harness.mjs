// Shared set-up for the browser tests: the real platform (wrangler dev with workerd, local D1/R2/DO
// in a throw-away persistence dir) and Debian's Chromium driven by playwright-core.
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before } from "node:test";
import { chromium } from "playwright-core";
import { ensureDevVars } from "../../scripts/lib/dev-vars.mjs";
import { applyLocalMigrations, ROOT, startWranglerDev, stopWranglerDev } from "../../scripts/lib/wrangler.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test-artifacts");
export const SCREENSHOTS = join(ARTIFACTS, "screenshots");

/** Flags from docs/PLATFORM: headless, no sandbox (root in a container), no background traffic. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts wrangler dev on a free port with a temp persistence dir; logs go to test-artifacts/. `extraArgs` go to wrangler dev. */
export async function startPlatform({ extraArgs = [] } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  ensureDevVars();
  const persistTo = mkdtempSync(join(tmpdir(), "edgetrader-browser-"));
  applyLocalMigrations(persistTo);
  const port = await freePort();
  const log = openSync(join(ARTIFACTS, "wrangler-browser.log"), "w");
  let child = null;
  const startServer = async () => {
    try {
      const started = await startWranglerDev({ port, persistTo, extraArgs, stdio: ["ignore", log, log] });
      child = started.child;
      return started;
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : err} (see test-artifacts/wrangler-browser.log)`);
    }
  };
  // Stopped by PID: `child` is the node process running wrangler itself, which cleans up workerd.
  const stopServer = async () => {
    if (child) await stopWranglerDev(child);
    child = null;
  };
  const stop = async () => {
    await stopServer();
    closeSync(log);
    rmSync(persistTo, { recursive: true, force: true });
  };
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let first;
  try {
    first = await startServer();
  } catch (err) {
    await stop();
    throw err;
  }
  // stopServer/startServer keep the port and the persisted D1/DO state: a real outage and recovery.
  return { url: first.url, health: first.health, pid: () => child?.pid, stop, stopServer, startServer };
}

/**
 * Launches Chromium with a fresh profile. Every console error and uncaught page error is recorded;
 * tests assert the list is empty (expected ones are taken out with `expectConsoleErrors`).
 */
export async function launchBrowser({ viewport = { width: 1280, height: 800 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "edgetrader-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  const errors = [];
  const watch = (page) => {
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(`console: ${msg.text()} @ ${msg.location().url ?? ""}`);
    });
    page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Signs a new user up through the dashboard's form (ends on the Overview page), then logs the same
 * user in over the API: the tests' own token for checking what the API holds.
 */
export async function signUp(page, url, { prefix = "user", timeout = 20_000 } = {}) {
  const email = `${prefix}-${randomBytes(4).toString("hex")}@example.com`;
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  await page.goto(`${url}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor({ timeout });
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const session = await login.json();
  return { email, password, token: session.access_token, userId: session.user.id };
}

/**
 * The REST API as one user, from Node: `api(path, init)` answers `{ status, body }` (body parsed, null
 * when empty). `token` is read on every call, so a test can sign in after making the client.
 */
export function apiClient(url, token) {
  return async (path, init = {}) => {
    const res = await fetch(`${url()}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json", ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/**
 * A journey suite's hooks: before, the platform (wrangler dev with `extraArgs`), Chromium and a user
 * signed up through the form; after each test, a screenshot of what the page showed (a failure's
 * last screen), named `<prefix>-end-<test>`; after all, both stopped. `ready(suite)` receives
 * `{ platform, browser, page, token }` once they are up, for the file's own module state.
 */
export function journeySuite({ prefix, extraArgs = [] }, ready) {
  // Filled as each part comes up, so `after` stops whatever started even when a later step failed.
  const suite = { platform: null, browser: null, page: null, token: "" };
  before(async () => {
    suite.platform = await startPlatform({ extraArgs });
    suite.browser = await launchBrowser();
    suite.page = suite.browser.page;
    suite.token = (await signUp(suite.page, suite.platform.url, { prefix })).token;
    ready(suite);
  });
  afterEach(async (t) => {
    if (suite.page)
      await screenshot(suite.page, `${prefix}-end-${t.name.slice(0, 24).replace(/\W+/g, "-")}`).catch(() => undefined);
  });
  after(async () => {
    await suite.browser?.close().catch(() => undefined);
    await suite.platform?.stop();
  });
}
