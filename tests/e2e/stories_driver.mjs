#!/usr/bin/env node
// Drives the stories pages (web/src/stories) in headless Chromium: `node stories_driver.mjs
// stories '<json args>'` walks a new album (cover upload, a song from a .lrc file, one typed),
// follows its job, reads the stories with their quoted lines and links, picks a collage into
// the artistDNA, and makes a listener collage from five typed songs; it prints one JSON line
// with what it saw (tests/e2e/test_stories.py asserts on it) and takes the docs' screenshots.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync"];
const [scenario, rawArgs = "{}"] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const log = (...parts) => console.error(`[${scenario}]`, ...parts);

async function shot(page, name, { fullPage = false } = {}) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  const path = join(args.shots, `${name}.png`);
  await page.screenshot({ path, fullPage });
  log("screenshot", path);
}

async function withPage(run) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("response", (reply) => reply.status() >= 500 && errors.push(`HTTP ${reply.status()} ${reply.url()}`));
    try {
      return { ...(await run(page)), consoleErrors: errors };
    } catch (err) {
      await shot(page, `failure-${scenario}`, { fullPage: true }).catch(() => undefined);
      log("console errors:", errors.join(" | "));
      throw err;
    }
  } finally {
    await browser.close();
  }
}

const scenarios = {
  async stories() {
    return withPage(async (page) => {
      await page.goto(`${args.base}/`);
      await page.getByLabel(/developer token/i).fill(args.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
      await page.getByRole("link", { name: "Stories", exact: true }).click();
      await page.getByRole("heading", { name: "A story and a collage for every song" }).waitFor();
      const seen = { storiesNav: await page.locator("nav[aria-label=Stories] a").allInnerTexts() };
      await page.getByLabel("Album title").fill(args.album.title);
      await page.getByLabel("Artist", { exact: true }).fill(args.album.artist_name);
      await page.getByLabel("Description").fill(args.album.description);
      await page.getByLabel("Cover image").setInputFiles(args.cover);
      await page.getByLabel("Title", { exact: true }).fill(args.album.songs[0].title);
      await page.getByLabel("…or a .txt / .lrc file").setInputFiles(args.lrc);
      await page.getByRole("button", { name: "Add a song" }).click();
      await page.getByLabel("Title", { exact: true }).nth(1).fill(args.album.songs[1].title);
      await page.getByLabel("Lyrics (English)").nth(1).fill(args.album.songs[1].lyrics);
      await shot(page, "stories-album-form", { fullPage: true });
      await page.getByRole("button", { name: "Write the stories" }).click();
      const progress = page.locator("[data-testid=studio-job] .job-line");
      seen.stages = [];
      const open = page.getByRole("button", { name: "Open the album" });
      for (let i = 0; i < 600 && !(await open.isVisible()); i += 1) {
        const line = await progress.innerText().catch(() => "");
        if (line && !seen.stages.includes(line)) seen.stages.push(line);
        await page.waitForTimeout(200);
      }
      await open.click();
      await page.getByTestId("contact-sheet").waitFor();
      const stories = page.getByTestId("song-story");
      seen.songs = await stories.locator("h3").allInnerTexts();
      seen.quotes = await stories.first().locator("q").allInnerTexts();
      seen.story = await stories.nth(1).locator(".story-text").innerText();
      seen.continues = await stories.nth(1).locator("a[href^='#song-']").allInnerTexts();
      // The collages are 2048-px PNGs: wait until every one has loaded before reading its size.
      await page.waitForFunction(() => {
        const imgs = [...document.querySelectorAll(".collage img")];
        return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      }, null, { timeout: 60000 });
      seen.collages = await page.locator(".collage img").evaluateAll((imgs) => imgs.map((i) => [i.alt, i.naturalWidth, i.naturalHeight]));
      await shot(page, "stories-album", { fullPage: true });
      await stories.first().getByRole("button", { name: /Pick the square collage/ }).click();
      seen.picked = await stories.first().getByText(/In artistDNA version \d+/).innerText();
      await page.getByRole("link", { name: "Listener collage" }).click();
      for (let n = 1; n <= 5; n += 1) {
        await page.getByLabel(`Song ${n} title`).fill(`Favourite ${n}`);
        await page.getByLabel("Mood").nth(n - 1).fill(["sad", "happy", "angry", "dreamy", "calm"][n - 1]);
      }
      await page.getByRole("button", { name: "Make the collage" }).click();
      const listener = page.getByTestId("listener-collage");
      await listener.waitFor({ timeout: 120_000 });
      await page.waitForFunction(() => document.querySelector("[data-testid=listener-collage]")?.naturalWidth > 0);
      seen.listener = await listener.evaluate((i) => [i.naturalWidth, i.naturalHeight]);
      seen.listenerCaption = await page.locator("figure.collage figcaption").innerText();
      await shot(page, "stories-listener", { fullPage: true });
      return seen;
    });
  },
};

if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenarios[scenario]()));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exit(1);
}
