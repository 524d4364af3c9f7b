#!/usr/bin/env node
// AlbumDreamer in headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// `node albums_driver.mjs SCENARIO '<json args>'` runs one scenario and prints one JSON line with
// what it saw; logs go to stderr; pytest makes the assertions.
//   albums  the SPA against a real `soundmosaic up`: plan an album from a concept, edit the plan,
//           generate it, follow the tracks, the site link (tests/e2e/test_albums.py)
//   site    a built album website opened from disk: axe-core's WCAG 2.1 AA rules in the page, and
//           the same pages with JavaScript off (tests/integration/stories/albums/test_site_a11y.py)
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync", "--allow-file-access-from-files"];
const [scenario, rawArgs = "{}"] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const log = (...parts) => console.error(`[${scenario}]`, ...parts);

async function withBrowser(run) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    return await run(browser);
  } finally {
    await browser.close();
  }
}

async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  page.on("response", (reply) => reply.status() >= 500 && errors.push(`HTTP ${reply.status()} ${reply.url()}`));
  return { page, errors };
}

async function shot(page, name) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  const path = join(args.shots, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  log("screenshot", path);
}

const scenarios = {
  async albums() {
    return withBrowser(async (browser) => {
      const { page, errors } = await newPage(browser);
      await page.goto(`${args.base}/albums`);
      await page.getByLabel(/developer token/i).fill(args.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Albums", level: 1 }).waitFor();
      await page.getByLabel("Concept").fill(args.concept);
      await page.getByLabel("Tracks").fill(String(args.tracks));
      await page.getByRole("button", { name: "Plan the album" }).click();
      await page.getByLabel("Title of track 1").waitFor();
      const planned = await page.getByRole("heading", { level: 1 }).textContent();
      await page.getByLabel("Title of track 1").fill(args.retitle);
      await page.getByRole("button", { name: "Save the plan" }).click();
      await page.getByRole("status").filter({ hasText: "Plan saved." }).waitFor();
      await page.getByRole("button", { name: "Generate the album" }).click();
      await page.getByRole("link", { name: "Download the website (zip)" }).waitFor({ timeout: args.timeoutMs });
      const states = await page.getByTestId("track-state").evaluateAll((els) => els.map((e) => e.dataset.status));
      const players = await page.locator(".album-progress audio").count();
      const site = await page.getByRole("link", { name: "Download the website (zip)" }).getAttribute("href");
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "albums");
      return { planned, states, players, site, consoleErrors: errors };
    });
  },

  async site() {
    return withBrowser(async (browser) => {
      const pages = {};
      for (const name of args.pages) {
        const { page, errors } = await newPage(browser);
        await page.goto(pathToFileURL(join(args.folder, name)).href);
        await page.addScriptTag({ content: AXE });
        const found = await page.evaluate(async () => {
          const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
          return { violations: result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), passes: result.passes.length };
        });
        const { page: plain } = await newPage(browser, { javaScriptEnabled: false });
        await plain.goto(pathToFileURL(join(args.folder, name)).href);
        const withoutJs = {
          headings: await plain.locator("h1").count(),
          links: await plain.locator("a[href]").count(),
          players: await plain.locator("audio[controls]").count(),
          images: await plain.locator("img").evaluateAll((els) => els.filter((i) => i.complete && i.naturalWidth > 0).length),
        };
        pages[name] = { ...found, withoutJs, errors };
      }
      return { pages };
    });
  },
};

if (!scenarios[scenario]) {
  console.log(JSON.stringify({ error: `unknown scenario ${scenario}` }));
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exit(1);
}
