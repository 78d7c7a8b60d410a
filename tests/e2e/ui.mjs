// tests/e2e/ui.mjs: the web UI in Debian's chromium (headless, driven by
// playwright-core; no browser is downloaded) against a real `dockrev serve`
// that tests/e2e/10-ui.sh started over the real engine and registry.
//
//   node tests/e2e/ui.mjs   (environment: E2E_URL, E2E_STACK, E2E_WEB,
//                            E2E_BAD_STACK, E2E_BAD, E2E_SHOTS,
//                            E2E_DAEMON_PID)
//
// Prints "ok - NAME" / "not ok - NAME" per scenario and the summary line
// "e2e ui: N passed, M failed".  Writes the screenshots of each page in the
// light and dark theme to E2E_SHOTS (docs/screenshots).
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(root, "web/package.json"));
const { chromium } = require("playwright-core");

const URL = process.env.E2E_URL;
const STACK = process.env.E2E_STACK;
const WEB = process.env.E2E_WEB ?? "web";
const BAD = process.env.E2E_BAD ?? "bad";
const HOST_PLATFORM = process.env.E2E_HOST_PLATFORM ?? "linux/amd64";
const BAD_STACK = process.env.E2E_BAD_STACK ?? STACK;
const SHOTS = process.env.E2E_SHOTS ?? join(root, "docs/screenshots");
const JOB_TIMEOUT = 120_000;
if (!URL || !STACK) {
  console.log("not ok - E2E_URL and E2E_STACK must be set");
  console.log("e2e ui: 0 passed, 1 failed");
  process.exit(1);
}
mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let current = null; // the page the scenarios drive
let failed = 0;
const consoleErrors = [];

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}`);
    for (const l of String(e?.stack ?? e).split("\n").slice(0, 10)) console.log(`#   ${l}`);
    // What the page showed, to tell a UI fault from a daemon one.
    const text = await current?.locator("body").innerText().catch(() => "");
    if (text) console.log(`#   page ${current.url()}:\n${text.slice(0, 1200).replace(/^/gm, "#     ")}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

// launch() gives chromium a fresh temporary --user-data-dir of its own
// (playwright refuses one in args) and removes it at close.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "light", ...opts });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return page;
}

const stackOf = (s) => (s === BAD ? BAD_STACK : STACK);
const svcId = (s) => `${stackOf(s)}/${s}`;
const serviceUrl = (s) => `${URL}/#/services/${encodeURIComponent(stackOf(s))}/${encodeURIComponent(s)}`;
const row = (page, s) => page.locator(`[data-testid=service-row][data-service="${svcId(s)}"]`);
const group = (page) => page.locator(`[data-testid=stack-group][data-stack="${STACK}"]`);

// setTheme: shows the page in THEME with the toggle, as a user would; with
// the update dialog open (the toggle is behind it), the way a remembered
// choice does (localStorage and data-theme).
async function setTheme(page, theme) {
  const current = () =>
    page.evaluate(() => document.documentElement.getAttribute("data-theme") ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"));
  if ((await page.locator("dialog[open]").count()) === 0) {
    for (let i = 0; i < 2 && (await current()) !== theme; i++) await page.getByTestId("theme-toggle").click();
    if ((await current()) === theme) return;
  }
  await page.evaluate((t) => {
    localStorage.setItem("dockrev.theme", t);
    document.documentElement.setAttribute("data-theme", t);
  }, theme);
}

const themeOf = (page) => page.evaluate(() => document.documentElement.getAttribute("data-theme"));

async function shots(page, name, { fullPage = true } = {}) {
  for (const theme of ["light", "dark"]) {
    await setTheme(page, theme);
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SHOTS, `${name}-${theme}.png`), fullPage });
  }
  await setTheme(page, "light");
}

async function waitJobState(page, want) {
  const st = page.getByTestId("job-state");
  const deadline = Date.now() + JOB_TIMEOUT;
  let last = "";
  while (Date.now() < deadline) {
    last = (await st.getAttribute("data-state").catch(() => "")) ?? "";
    if (want.includes(last)) return last;
    if (["succeeded", "failed", "rolled_back", "rollback_failed"].includes(last)) break;
    await page.waitForTimeout(250);
  }
  throw new Error(`job state ${last || "(none)"}, want ${want.join("|")}; log:\n${await page.getByTestId("job-log").innerText().catch(() => "")}`);
}

// Preflight: without the catalog's endpoint nothing below can pass; say
// so at once instead of timing out scenario after scenario.
{
  const r = await fetch(`${URL}/api/v1/stacks`).catch((e) => ({ status: String(e) }));
  if (r.status !== 200) {
    console.log(`not ok - the daemon answers GET /api/v1/stacks (got ${r.status})`);
    await browser.close();
    console.log("e2e ui: 0 passed, 1 failed");
    process.exit(1);
  }
}

const page = await newPage();
current = page;

await test("the overview shows the seeded stack with an update", async () => {
  await page.goto(URL + "/");
  await group(page).waitFor();
  const r = row(page, WEB);
  await r.waitFor();
  const text = await r.innerText();
  assert(/update available/.test(text), `status in "${text}"`);
  assert(/1\.0/.test(text), `current tag 1.0 in "${text}"`);
  const best = await r.getByTestId("best").innerText();
  assert(/1\.1/.test(best) && /minor/.test(best) && /same level/.test(best) && /arch ok/.test(best), `best candidate 1.1 minor same-level arch ok in "${best}"`);
  assert(/sha256:[0-9a-f]{12}/.test(text), "a short digest");
  const counts = await page.getByTestId("counts").innerText();
  assert(/with update/.test(counts), `counts "${counts}"`);
  const me = await page.getByTestId("me").innerText();
  assert(me.includes("anonymous"), `signed-in user "${me}"`);
});

await test("search and updates-only filter the overview", async () => {
  await page.getByPlaceholder("Search name or image").fill("no-such-service-xyz");
  await page.getByText("Nothing matches the filter.").waitFor();
  await page.getByPlaceholder("Search name or image").fill(WEB);
  await row(page, WEB).waitFor();
  await page.getByPlaceholder("Search name or image").fill("");
  await page.getByLabel("Updates only").check();
  await row(page, WEB).waitFor();
  await page.getByLabel("Updates only").uncheck();
});

await test("light and dark screenshots of the overview", async () => {
  await shots(page, "overview");
});

await test("a group collapses and stays collapsed after reload", async () => {
  const toggle = group(page).getByTestId("group-toggle");
  assert((await toggle.getAttribute("aria-expanded")) === "true", "expanded at first");
  await toggle.click();
  await row(page, WEB).waitFor({ state: "detached" });
  assert((await toggle.getAttribute("aria-expanded")) === "false", "aria-expanded false");
  await page.reload();
  await group(page).waitFor();
  await page.waitForTimeout(300);
  assert((await group(page).getByTestId("group-toggle").getAttribute("aria-expanded")) === "false", "still collapsed after reload");
  assert((await row(page, WEB).count()) === 0, "no rows after reload");
  await group(page).getByTestId("group-toggle").click();
  await row(page, WEB).waitFor();
});

await test("the theme toggle switches and is remembered across a reload", async () => {
  await page.reload();
  await group(page).waitFor();
  const before = await themeOf(page);
  await page.getByTestId("theme-toggle").click();
  const after = await themeOf(page);
  assert(before !== after && (after === "dark" || after === "light"), `toggle: ${before} -> ${after}`);
  await page.reload();
  await group(page).waitFor();
  assert((await themeOf(page)) === after, `${after} after reload`);
  await page.getByTestId("theme-toggle").click();
  assert((await themeOf(page)) === before, "back");
  await setTheme(page, "light");
});

await test("an ignore rule hides a candidate and shows why", async () => {
  await page.goto(serviceUrl(WEB));
  await page.locator('[data-testid=candidate][data-tag="2.0"]').waitFor();
  await page.getByLabel("Kind").selectOption("exact");
  await page.getByLabel("Value").fill("2.0");
  await page.getByLabel("Reason").fill("waiting for 2.1");
  await page.getByTestId("rule-preview").getByText("Hides 2.0.").waitFor();
  await page.getByRole("button", { name: "Add rule" }).click();
  const ign = page.locator('[data-testid=ignored][data-tag="2.0"]');
  await ign.waitFor();
  const why = await ign.getByTestId("ignored-why").innerText();
  assert(/exact 2\.0/.test(why) && /waiting for 2\.1/.test(why), `why: "${why}"`);
  await page.locator('[data-testid=candidate][data-tag="2.0"]').waitFor({ state: "detached" });
  await page.locator('[data-testid=candidate][data-tag="1.1"]').waitFor();
  await page.getByTestId("rule").filter({ hasText: "exact 2.0" }).waitFor();
});

await test("the service page lists each candidate's platforms", async () => {
  const c = page.locator('[data-testid=candidate][data-tag="1.1"]');
  await c.waitFor();
  const list = c.getByRole("list", { name: "platforms of 1.1" });
  const items = await list.getByRole("listitem").allInnerTexts();
  assert(items.length === 1 && items[0].trim() === HOST_PLATFORM, `platforms of 1.1: ${JSON.stringify(items)}, want ["${HOST_PLATFORM}"]`);
  const ign = page.locator('[data-testid=ignored][data-tag="2.0"]');
  assert((await ign.getByTestId("platforms").innerText()).includes(HOST_PLATFORM), "the ignored candidate's platforms too");
});

await test("light and dark screenshots of the service page", async () => {
  await shots(page, "service");
});

let jobUrl = "";
await test("a dry-run plan appears before the update", async () => {
  await page.getByRole("button", { name: `Update ${WEB} to 1.1` }).click();
  const plan = page.getByTestId("plan-item");
  await plan.first().waitFor();
  assert((await plan.count()) === 1, "one service in the plan");
  const t = await plan.first().innerText();
  assert(t.includes(svcId(WEB)) && /1\.0 → 1\.1/.test(t), `plan item "${t}"`);
  const c = await page.getByTestId("confirm-text").innerText();
  assert(c.includes(`${svcId(WEB)} 1.0 → 1.1`), `confirmation names the change: "${c}"`);
  await shots(page, "update-plan", { fullPage: false });
});

await test("an update runs and its live log reaches succeeded", async () => {
  await page.getByRole("button", { name: /Confirm update of 1 service/ }).click();
  await page.waitForURL(/#\/jobs\/\d+$/);
  jobUrl = page.url();
  const st = await waitJobState(page, ["succeeded"]);
  assert(st === "succeeded", st);
  const log = await page.getByTestId("job-log").innerText();
  assert(log.length > 0 && !/no log lines yet/.test(log), `log: "${log}"`);
  await shots(page, "job");
});

await test("a failing update reaches rolled_back", async () => {
  await page.goto(serviceUrl(BAD));
  await page.getByRole("button", { name: `Update ${BAD} to 1.1` }).click();
  await page.getByTestId("plan-item").first().waitFor();
  await page.getByRole("button", { name: /Confirm update of 1 service/ }).click();
  await page.waitForURL(/#\/jobs\/\d+$/);
  assert(page.url() !== jobUrl, "a new job");
  const st = await waitJobState(page, ["rolled_back"]);
  assert(st === "rolled_back", st);
});

await test("the jobs page lists both jobs with their states", async () => {
  await page.goto(URL + "/#/jobs");
  const table = page.getByTestId("jobs-table");
  await table.waitFor();
  await table.locator("[data-state=succeeded]").first().waitFor();
  await shots(page, "jobs");
  await table.locator("[data-state=rolled_back]").first().waitFor();
});

await test("the overview no longer offers the applied update", async () => {
  await page.goto(URL + "/");
  const r = row(page, WEB);
  await r.waitFor();
  // The current tag is 1.1 now (the list follows the engine's events).
  await page.waitForFunction(
    (sel) => /^Current: 1\.1 /.test(document.querySelector(sel)?.textContent ?? ""),
    `[data-testid=service-row][data-service="${svcId(WEB)}"] [data-testid=current]`,
    { timeout: 30_000 },
  );
});

await test("settings: a webhook's secret is shown once, at creation", async () => {
  await page.goto(URL + "/#/settings");
  await page.getByLabel("Concurrency (stacks updated at once)").waitFor();
  const form = page.getByRole("form", { name: "New webhook" });
  await form.getByLabel("Name").fill("e2e-hook");
  await form.getByRole("button", { name: "Create webhook" }).click();
  const secret = page.getByTestId("webhook-secret");
  await secret.waitFor();
  const s = await secret.innerText();
  assert(/e2e-hook/.test(s) && /not shown again/.test(s), `secret box "${s}"`);
  await shots(page, "settings");
  await page.reload();
  await page.getByRole("cell", { name: "e2e-hook", exact: true }).waitFor();
  assert((await page.getByTestId("webhook-secret").count()) === 0, "no secret after reload");
});

await test("readable at 390 px wide (no horizontal scrolling)", async () => {
  const phone = await newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(URL + "/");
  await row(phone, WEB).waitFor();
  const w = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert(w <= 391, `page is ${w} px wide`);
  await phone.screenshot({ path: join(SHOTS, "overview-phone-light.png"), fullPage: true });
  await phone.context().close();
});

await test("keyboard: the skip link and the group toggle work from the keyboard", async () => {
  await page.goto(URL + "/");
  await group(page).waitFor();
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement?.textContent);
  assert(/Skip to content/.test(first ?? ""), `first tab stop "${first}"`);
  const toggle = group(page).getByTestId("group-toggle");
  await toggle.focus();
  await page.keyboard.press("Enter");
  assert((await toggle.getAttribute("aria-expanded")) === "false", "collapsed by Enter");
  await page.keyboard.press("Enter");
  assert((await toggle.getAttribute("aria-expanded")) === "true", "expanded by Enter");
});

await test("no script error in the pages", async () => {
  const real = consoleErrors.filter((e) => !/Failed to load resource/.test(e));
  assert(real.length === 0, real.join("\n"));
});

const pid = Number(process.env.E2E_DAEMON_PID ?? 0);
if (pid) {
  await test("the UI says so when the daemon is unreachable", async () => {
    await page.goto(URL + "/");
    await row(page, WEB).waitFor();
    process.kill(pid, "SIGTERM");
    await page.waitForTimeout(500);
    await page.getByRole("button", { name: "Check now" }).click();
    await page.getByTestId("unreachable").waitFor();
    await row(page, WEB).waitFor();
  });
}

await browser.close();
console.log(`e2e ui: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
