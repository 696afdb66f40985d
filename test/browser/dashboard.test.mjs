// End-to-end: the built dashboard served by the real Worker (wrangler dev), driven in Chromium.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { launchBrowser, screenshot, startPlatform } from "./harness.mjs";

const email = `trader-${randomBytes(4).toString("hex")}@example.com`;
const password = `pw-${randomBytes(9).toString("base64url")}`;
const T = { timeout: 15_000 };

let platform;
let browser;
let page;

/** Console errors other than the ones a step expects fail the run. */
function assertNoConsoleErrors() {
  const errors = browser.errors.splice(0);
  assert.deepEqual(errors, [], `console errors:\n${errors.join("\n")}`);
}

/**
 * Runs `fn`, then takes exactly the console errors matching `patterns` out of the list. The browser
 * logs a failed fetch asynchronously, sometimes after the UI already showed the outcome, so each
 * pattern is awaited for up to 10 s.
 */
async function expectConsoleErrors(patterns, fn) {
  await fn();
  for (const re of patterns) {
    let i = -1;
    for (let waited = 0; waited <= 10_000 && (i = browser.errors.findIndex((e) => re.test(e))) === -1; waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    assert.notEqual(i, -1, `expected a console error matching ${re}; got:\n${browser.errors.join("\n")}`);
    browser.errors.splice(i, 1);
  }
}

const state = () => page.getByTestId("connection-state");

describe("dashboard in Chromium against wrangler dev", () => {
  before(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop();
  });

  test("the platform is healthy before the browser starts", () => {
    assert.equal(platform.health.status, "ok", JSON.stringify(platform.health));
  });

  test("an unknown deep link is served the app (SPA fallback) and signed-out users land on sign-in", async () => {
    await page.goto(`${platform.url}/connectors`);
    await page.waitForURL(/\/signin\?next=%2Fconnectors$/, T);
    await page.getByRole("heading", { name: "Sign in" }).waitFor(T);
    await screenshot(page, "signin");
    assertNoConsoleErrors();
  });

  test("sign up creates the account and opens the overview", async () => {
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create your account" }).waitFor(T);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await screenshot(page, "signup");
    await page.getByRole("button", { name: "Create account" }).click();
    // `next` from the guard brings the user back to where they were going.
    await page.waitForURL(`${platform.url}/connectors`, T);
    await page.getByRole("link", { name: "Overview", exact: true }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor(T);
    assert.equal(await page.locator(".user-email").textContent(), email);
    assertNoConsoleErrors();
  });

  test("the overview shows every health check ok and the socket connected", async () => {
    await page.getByTestId("health-status").filter({ hasText: "ok" }).waitFor(T);
    for (const name of ["d1", "migrations", "durable_object", "model_store"]) {
      assert.equal(await page.getByTestId(`check-${name}`).locator(".pill").textContent(), "ok", name);
    }
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor(T);
    assert.equal((await state().textContent())?.trim(), "Live");
    assert.match(await page.getByTestId("socket-detail").textContent(), /^connected since/);
    // The first ping goes out on open; its pong comes from the user's Durable Object.
    await page
      .getByTestId("socket-rtt")
      .filter({ hasText: /round trip/ })
      .waitFor(T);
    await screenshot(page, "overview");
    assertNoConsoleErrors();
  });

  test("going offline shows Offline in the header and coming back reconnects the socket", async () => {
    await browser.context.setOffline(true);
    await page.locator('[data-testid="connection-state"][data-state="offline"]').waitFor(T);
    assert.equal((await state().textContent())?.trim(), "Offline");
    await screenshot(page, "overview-offline");
    await browser.context.setOffline(false);
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor(T);
    assertNoConsoleErrors();
  });

  for (const [label, empty] of [
    ["Bots", "No bots yet"],
    ["Positions", "No open positions"],
    ["Trades", "No trades yet"],
    ["Activity", "Nothing has happened yet"],
  ]) {
    test(`${label} shows its empty state`, async () => {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label }).click();
      await page.getByRole("heading", { name: label, level: 1 }).waitFor(T);
      await page.getByRole("heading", { name: empty }).waitFor(T);
      assert.equal(
        await page
          .locator("nav a.active")
          .textContent()
          .then((t) => t?.replace(/^\W+/, "")),
        label,
      );
      await screenshot(page, label.toLowerCase());
      assertNoConsoleErrors();
    });
  }

  let tokenValue = "";
  test("Connectors: create a token and see it exactly once", async () => {
    await page.getByRole("link", { name: "Connectors", exact: true }).click();
    await page.getByRole("heading", { name: "No connectors yet" }).waitFor(T);
    await screenshot(page, "connectors-empty");
    await page.getByLabel("Name").fill("VPS London MT5");
    await page.getByRole("button", { name: "Create token" }).click();
    const value = page.getByTestId("new-token-value");
    await value.waitFor(T);
    tokenValue = await value.inputValue();
    assert.match(tokenValue, /^etc_[A-Za-z0-9_-]{43}$/);
    const row = page.getByTestId("connector-row");
    assert.equal(await row.count(), 1);
    assert.equal(await row.locator("th").textContent(), "VPS London MT5");
    assert.equal(await row.locator("td.mono").textContent(), `${tokenValue.slice(0, 12)}…`);
    await screenshot(page, "connectors-created");

    // Reload: the access token (memory only) is gone, so this also exercises the refresh path.
    await page.reload();
    await page.getByTestId("connector-row").first().waitFor(T);
    assert.equal(await page.getByTestId("new-token").count(), 0);
    assert.equal((await page.content()).includes(tokenValue), false, "token still visible after reload");
    assertNoConsoleErrors();
  });

  test("when the server goes away the header counts down to the next attempt; the socket returns with it", async () => {
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor(T);
    await platform.stopServer();
    await page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor(T);
    assert.match((await state().textContent())?.trim() ?? "", /^Reconnecting( in \d+ s|…)$/);
    await screenshot(page, "connectors-reconnecting");
    await platform.startServer();
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 90_000 });
    // Attempts made while the server was down (socket, and the one token refresh per outage) fail
    // loudly in the console: those are expected, nothing else is.
    const refused = browser.errors.filter((e) => /ERR_CONNECTION_REFUSED/.test(e));
    browser.errors.splice(0, browser.errors.length, ...browser.errors.filter((e) => !refused.includes(e)));
    assert.ok(
      refused.some((e) => /WebSocket connection to .* failed/.test(e)),
      "expected a failed reconnect attempt",
    );
    assert.ok(refused.filter((e) => /auth\/refresh/.test(e)).length <= 1, "at most one refresh per outage");
    assertNoConsoleErrors();
  });

  test("after a page load the first Tab reaches the skip link, which moves focus to the main content", async () => {
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
  });

  test("Connectors: revoke asks for confirmation, then removes the token", async () => {
    await page.getByRole("button", { name: "Revoke VPS London MT5" }).click();
    await screenshot(page, "connectors-confirm-revoke");
    await page.getByRole("button", { name: "Confirm revoking VPS London MT5" }).click();
    await page.getByRole("heading", { name: "No connectors yet" }).waitFor(T);
    await page.reload();
    await page.getByRole("heading", { name: "No connectors yet" }).waitFor(T);
    await screenshot(page, "connectors-revoked");
    assertNoConsoleErrors();
  });

  test("on a phone the navigation becomes a strip and the header still shows the socket state", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Overview", exact: true }).click();
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor(T);
    const nav = await page.getByRole("navigation", { name: "Main" }).boundingBox();
    const main = await page.locator("main").boundingBox();
    assert.ok(nav && main && nav.y < main.y && nav.width > 300, "nav sits above main, full width");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await screenshot(page, "overview-phone");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connectors" }).click();
    await page.getByRole("heading", { name: "No connectors yet" }).waitFor(T);
    await screenshot(page, "connectors-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
    assertNoConsoleErrors();
  });

  test("sign out, a wrong password shows the API's error, the right one signs back in", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor(T);
    assert.equal(await page.evaluate(() => localStorage.getItem("edgetrader.user")), null);
    // The refresh cookie is gone too (logout clears it), and it never was visible to page script.
    assert.equal(
      (await page.context().cookies()).some((c) => c.name === "et_refresh"),
      false,
    );

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`${password}-wrong`);
    await expectConsoleErrors([/status of 401 .*\/auth\/login/], async () => {
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").waitFor(T);
    });
    assert.match(await page.getByRole("alert").textContent(), /unauthorized/);
    await screenshot(page, "signin-error");

    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor(T);
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor(T);
    assertNoConsoleErrors();
  });
});
