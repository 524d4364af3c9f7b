#!/usr/bin/env node
// Drives the SPA in headless Chromium (Debian's /usr/bin/chromium through playwright-core) for
// the pytest end-to-end tests: `node driver.mjs SCENARIO '<json args>'` runs one scenario and
// prints one JSON line with what it saw. Logs go to stderr. pytest makes the assertions.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

const [scenario, rawArgs = "{}"] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const log = (...parts) => console.error(`[${scenario}]`, ...parts);

async function withPage(options, run) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 900 }, ...options });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("response", (reply) => reply.status() >= 500 && errors.push(`HTTP ${reply.status()} ${reply.request().method()} ${reply.url()}`));
    const result = await run(page, context);
    return { ...result, consoleErrors: errors };
  } finally {
    await browser.close();
  }
}

async function shot(page, name, { fullPage = false } = {}) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  const path = join(args.shots, `${name}.png`);
  await page.screenshot({ path, fullPage });
  log("screenshot", path);
}

async function signIn(page, next = "/") {
  await page.goto(`${args.base}${next}`);
  await page.getByLabel(/developer token/i).fill(args.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Library", level: 1 }).or(page.locator(".track-head")).first().waitFor();
}

const scenarios = {
  /** Signed out, the app sends you to sign in; a wrong token is refused; the dev token works. */
  async signin() {
    return withPage({}, async (page) => {
      await page.goto(`${args.base}/`);
      await page.waitForURL(/\/signin/);
      const redirected = page.url();
      await shot(page, "signin");
      await page.getByLabel(/developer token/i).fill("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad");
      await page.getByRole("button", { name: "Sign in" }).click();
      const refusal = await page.getByRole("alert").textContent();
      await page.getByLabel(/developer token/i).fill(args.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
      const empty = await page.getByText("Your library is empty").isVisible();
      await page.reload();
      await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
      return { redirected, refusal, signedIn: true, empty, keptAfterReload: !page.url().includes("/signin") };
    });
  },

  /**
   * Upload several files at once: a song (one PUT) and a big file (multipart, over the stack's
   * threshold) whose second part fails once, as a network drop would. Upload speed is throttled
   * so the progress is visible.
   */
  async upload() {
    return withPage({}, async (page, context) => {
      await signIn(page);
      const auto = page.getByLabel("Process automatically after upload");
      if (await auto.isChecked()) await auto.uncheck();
      let dropped = 0;
      const parts = new Set();
      await context.route(/partNumber=\d+/, async (route) => {
        const part = new URL(route.request().url()).searchParams.get("partNumber");
        parts.add(part);
        if (part === "2" && dropped === 0) {
          dropped++;
          log("dropping part 2 once");
          return route.abort("internetdisconnected");
        }
        return route.continue();
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: args.uploadBytesPerSecond ?? 4_000_000,
      });
      await page.getByTestId("file-input").setInputFiles(args.files);
      const rows = page.getByTestId("upload-row");
      await rows.first().waitFor();
      const bars = page.getByRole("progressbar", { name: /^Uploading/ });
      const progress = [];
      for (let i = 0; i < 400; i++) {
        const now = await bars.evaluateAll((els) => els.map((el) => Number(el.getAttribute("aria-valuenow"))));
        if (now.length) progress.push(Math.max(...now));
        if (i === 8) await shot(page, "upload-progress");
        if ((await page.getByText("In your library").count()) + (await page.getByText("Failed", { exact: true }).count()) >= args.files.length) break;
        await page.waitForTimeout(100);
      }
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.waitForFunction((n) => document.querySelectorAll(".upload-ready, .upload-failed").length >= n, args.files.length, { timeout: 120_000 });
      const items = await rows.evaluateAll((els) => els.map((el) => ({
        name: el.querySelector(".upload-name")?.textContent,
        phase: el.querySelector(".upload-phase")?.textContent,
        error: el.querySelector(".error-text")?.textContent ?? null,
        trackHref: el.querySelector("a[href^='/tracks/']")?.getAttribute("href") ?? null,
      })));
      // Each finished upload refreshes the list; the last refresh may still be on its way.
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid='track-row']").length >= n,
        items.filter((i) => i.phase === "In your library").length, { timeout: 30_000 }).catch(() => undefined);
      const library = await page.getByTestId("track-row").locator(".track-link").allTextContents();
      return { items, progress, dropped, parts: [...parts].sort(), library };
    });
  },

  /**
   * Song generation as a user does it: a project, ten songs dropped onto it (uploaded, then
   * identified in the demo catalog), a take generated, played, regenerated, one kept and
   * published to the sandbox distributor.
   */
  async generation() {
    return withPage({}, async (page) => {
      const seen = {};
      await signIn(page);
      const auto = page.getByLabel("Process automatically after upload");
      if (await auto.isChecked()) await auto.uncheck();  // the audio lab is not needed here
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Generation" }).click();
      await page.getByRole("heading", { name: "Song generation", level: 1 }).waitFor();
      await page.getByLabel("New project").fill(args.project);
      await page.getByRole("button", { name: /^Create/ }).click();
      await page.getByRole("heading", { name: args.project, level: 1 }).waitFor();
      seen.refusalBefore = await page.getByTestId("refusal").textContent();

      await page.getByTestId("file-input").setInputFiles(args.files);
      const counter = page.getByTestId("matched-counter");
      await page.waitForFunction(() => /^10 of 10 matched$/.test(
        document.querySelector("[data-testid=matched-counter]")?.textContent?.trim() ?? ""),
      null, { timeout: args.timeoutS * 1000 });
      seen.counter = (await counter.textContent()).trim();
      seen.songs = await page.getByTestId("song").evaluateAll((els) => els.map((el) => ({
        status: el.getAttribute("data-status"), title: el.querySelector("h3")?.textContent,
        match: el.querySelector("[data-testid=song-match]")?.textContent ?? null,
      })));
      await shot(page, "generation-songs", { fullPage: true });

      await page.getByLabel("Seed").fill(String(args.seed));
      await page.getByLabel("Length (seconds)").fill(String(args.seconds));
      await page.getByRole("button", { name: /^Generate/ }).click();
      const takes = page.getByTestId("take");
      const player = page.getByLabel(`Play take ${args.seed}`);
      await player.waitFor({ timeout: args.timeoutS * 1000 });
      await player.evaluate((audio) => audio.play());
      await page.waitForFunction((seed) => {
        const audio = document.querySelector(`audio[aria-label="Play take ${seed}"]`);
        return audio && !audio.paused && audio.currentTime > 0.5;
      }, args.seed, { timeout: 30_000 });
      seen.played = true;
      await player.evaluate((audio) => audio.pause());
      seen.engine = await takes.first().locator(".engine").textContent();
      seen.influence = await takes.first().getByTestId("influence").count();

      await takes.first().getByRole("button", { name: "Regenerate" }).click();
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=take] audio").length >= 2,
        null, { timeout: args.timeoutS * 1000 });
      seen.takes = await takes.count();
      await shot(page, "generation-takes", { fullPage: true });

      await page.getByRole("button", { name: `Keep take ${args.seed}` }).click();
      const kept = page.locator(".take-kept");
      const form = kept.getByRole("form", { name: "Publish" });
      await form.waitFor();
      await form.getByLabel("Title").fill(args.title);
      await form.getByLabel("Genre").fill(args.genre);
      await form.getByRole("button", { name: "Publish" }).click();
      await page.waitForFunction(() => document.querySelector("[data-testid=publication]")
        ?.getAttribute("data-status") === "submitted", null, { timeout: args.timeoutS * 1000 });
      seen.publication = await kept.getByTestId("publication").textContent();
      seen.packageFiles = await kept.getByRole("list", { name: "Release package files" }).getByRole("link").allTextContents();
      await shot(page, "generation-published", { fullPage: true });
      return seen;
    });
  },

  /** A royalty admin follows a song waiting for rights to the form, adds the holders, checks again. */
  async rights() {
    return withPage({}, async (page) => {
      const seen = {};
      await signIn(page);
      const nav = page.getByRole("navigation", { name: "Main" });
      seen.navRights = await nav.getByRole("link", { name: "Rights" }).count();
      await nav.getByRole("link", { name: "Generation" }).click();
      await page.getByRole("link", { name: args.project }).click();
      const row = () => page.getByTestId("song").filter({ has: page.getByRole("heading", { name: args.song }) });
      await row().getByRole("link", { name: "Add its rights holders" }).click();
      const card = page.locator("[data-testid=pending-recording][aria-current=true]");
      await card.waitFor();
      seen.recording = (await card.locator("h3").textContent()).trim();
      for (const [i, holder] of args.holders.entries()) {
        if (i > 0) await card.getByRole("button", { name: "Add a holder" }).click();
        await card.getByLabel(`Holder ${i + 1} id`).fill(holder.id);
        await card.getByLabel(`Holder ${i + 1} name`).fill(holder.name);
        await card.getByLabel(`Holder ${i + 1} role`).selectOption(holder.role);
        await card.getByLabel(`Holder ${i + 1} share`).fill(holder.share);
        if (i === 0) seen.sumBefore = (await card.getByTestId("share-sum").textContent()).trim();
      }
      seen.sum = (await card.getByTestId("share-sum").textContent()).trim();
      await card.getByLabel("Reason (kept in the audit record)").fill(args.reason);
      await shot(page, "generation-rights");
      await card.getByRole("button", { name: "Add to the catalog" }).click();
      const added = page.getByRole("status", { name: "Added" });
      await added.waitFor({ timeout: 30_000 });
      seen.added = await added.textContent();

      await page.getByRole("link", { name: "← Projects" }).click();
      await page.getByRole("link", { name: args.project }).click();
      await row().getByRole("button", { name: `Check the rights of ${args.song} again` }).click();
      await page.waitForFunction((title) => [...document.querySelectorAll("[data-testid=song]")]
        .some((el) => el.querySelector("h3")?.textContent === title && el.getAttribute("data-status") === "matched"),
      args.song, { timeout: 30_000 });
      seen.status = "matched";
      return seen;
    });
  },

  /** A rights holder reads their statement and charts. */
  async royalties() {
    return withPage({}, async (page) => {
      await signIn(page);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Royalties" }).click();
      await page.getByRole("heading", { name: "Royalties", level: 1 }).waitFor();
      await page.getByLabel("From", { exact: true }).fill(args.from);
      await page.getByLabel("To", { exact: true }).fill(args.to);
      await page.getByRole("button", { name: "Show statement" }).click();
      const totals = page.getByRole("table", { name: "Totals" });
      await totals.waitFor({ timeout: 30_000 });
      const charts = await page.locator("svg.chart").evaluateAll((els) => els.map((el) => el.getAttribute("aria-label")));
      await shot(page, "royalties-statement", { fullPage: true });
      return { totals: await totals.textContent(), charts };
    });
  },

  /** Rename and tag a track, then find it by search, tag, key and bpm; sort. */
  async library() {
    return withPage({}, async (page) => {
      await signIn(page);
      const row = page.getByTestId("track-row").filter({ hasText: args.title });
      await row.getByRole("button", { name: /^Edit/ }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Title").fill(args.newTitle);
      await dialog.getByLabel("Artist").fill(args.artist);
      await dialog.getByLabel(/Tags/).fill(args.tags.join(", "));
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
      const renamed = page.getByTestId("track-row").filter({ hasText: args.newTitle });
      await renamed.waitFor();
      const tagsShown = await renamed.locator(".tags li").allTextContents();

      const titles = async () => {
        await page.waitForTimeout(400);  // the search waits for a pause in typing
        await page.waitForFunction(() => !document.querySelector("[aria-label='Refreshing']"));
        return page.getByTestId("track-row").locator(".track-link").allTextContents();
      };
      const search = page.getByRole("searchbox");
      await search.fill(args.artist.toLowerCase());
      const byArtist = await titles();
      await search.fill("");
      await page.getByRole("combobox", { name: "Tag" }).fill(args.tags[0]);
      const byTag = await titles();
      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.getByLabel("BPM from").fill("900");
      const noneByBpm = (await titles()).length === 0 && (await page.getByText("No track matches these filters").isVisible());
      await page.getByRole("button", { name: "Clear filters" }).first().click();
      await page.getByRole("combobox", { name: "Sort" }).selectOption("title");
      const sorted = await titles();
      await page.getByRole("combobox", { name: "Sort" }).selectOption("newest");
      await shot(page, "library");
      return { tagsShown, byArtist, byTag, noneByBpm, sorted, url: page.url() };
    });
  },

  /** Process a track from its page and follow the stages; then play, mute a stem, download. */
  async process() {
    return withPage({}, async (page) => {
      await signIn(page, `/tracks/${args.trackId}`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.getByTestId("process").click();
      const line = page.locator(".job-line");
      await line.waitFor();
      const stages = new Set();
      const deadline = Date.now() + args.timeoutS * 1000;
      let shotTaken = false;
      let status = "running";
      while (Date.now() < deadline) {
        status = await page.locator(".job").getAttribute("data-status").catch(() => null) ?? status;
        const current = await page.locator(".step-active").textContent().catch(() => null);
        if (current) stages.add(current);
        if (!shotTaken && stages.size >= 2 && status === "running") {
          await shot(page, "processing");
          shotTaken = true;
        }
        if (status === "succeeded" || status === "failed") break;
        await page.waitForTimeout(500);
      }
      const jobText = await line.textContent();
      if (status !== "succeeded") return { status, jobText, stages: [...stages] };

      await page.getByTestId("stem-vocals").or(page.locator(".channel").first()).first().waitFor({ timeout: 120_000 });
      const stems = await page.locator(".channel .channel-name strong").allTextContents();
      const clock = page.getByTestId("clock");
      const before = await clock.textContent();
      await page.getByTestId("play").click();
      await page.waitForTimeout(2500);
      const during = await clock.textContent();
      const playingLabel = await page.getByTestId("play").getAttribute("aria-label");
      const firstStem = stems[0]?.toLowerCase();
      const muteTarget = stems.map((s) => s.toLowerCase()).includes("vocals") ? "vocals" : firstStem;
      const mute = page.getByRole("button", { name: `Mute ${muteTarget}` });
      await mute.click();
      const muted = await mute.getAttribute("aria-pressed");
      const silent = await page.getByTestId(`stem-${muteTarget}`).evaluate((el) => el.classList.contains("channel-silent"));
      const activeWords = await page.locator(".word-active").count();
      const lyricsLines = await page.locator(".lyrics .line").count();
      const rolls = await page.locator("[role=tab]").allTextContents();
      await page.getByRole("button", { name: "Listen" }).click().catch(() => undefined);
      await page.waitForTimeout(800);
      const after = await clock.textContent();
      await page.getByTestId("play").click();  // pause
      await page.getByTestId("waveform").focus();
      await page.keyboard.press("Home");
      await page.evaluate(() => document.activeElement?.blur());
      await page.waitForTimeout(300);
      await shot(page, "track", { fullPage: true });
      const samples = page.getByTestId("samples");
      const sampleGroups = await samples.locator(".sample-group h3").allTextContents();
      if (sampleGroups.length) {
        await samples.evaluate((el) => {
          el.scrollIntoView();
          window.scrollBy(0, -120);  // the section heading, below the sticky top bar
        });
        await page.locator(".pad-play").first().click();
        await shot(page, "samples");
      }
      const downloadPromise = page.waitForEvent("download");
      await page.getByTestId("export-download").click();
      const download = await downloadPromise;
      const exportPath = join(args.downloads, download.suggestedFilename());
      await download.saveAs(exportPath);
      return { status, jobText, stages: [...stages], stems, before, during, after, playingLabel, muted, silent,
        activeWords, lyricsLines, rolls, sampleGroups, exportPath };
    });
  },

  /** Select tracks in the library and download one zip for the selection. */
  async export() {
    return withPage({}, async (page) => {
      await signIn(page);
      for (const title of args.titles) {
        await page.getByRole("checkbox", { name: `Select ${title}` }).check();
      }
      const bar = page.getByRole("region", { name: "Selection" });
      await bar.getByRole("button", { name: /^Export/ }).click();
      const link = page.getByTestId("selection-download");
      await link.waitFor({ timeout: args.timeoutS * 1000 });
      const downloadPromise = page.waitForEvent("download");
      await link.click();
      const download = await downloadPromise;
      const path = join(args.downloads, download.suggestedFilename());
      await download.saveAs(path);
      return { path, selected: await bar.locator("span").first().textContent() };
    });
  },

  /** Delete a track: a confirmation first; cancelling keeps it, confirming removes it. */
  async delete() {
    return withPage({}, async (page) => {
      await signIn(page);
      const row = () => page.getByTestId("track-row").filter({ hasText: args.title });
      await row().getByRole("button", { name: /^Delete/ }).click();
      const dialog = page.getByRole("dialog");
      const question = await dialog.getByRole("heading").textContent();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      const keptAfterCancel = await row().count();
      await row().getByRole("button", { name: /^Delete/ }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete for good" }).click();
      await row().waitFor({ state: "detached" });
      return { question, keptAfterCancel, remaining: await page.getByTestId("track-row").locator(".track-link").allTextContents() };
    });
  },

  /** A phone-sized viewport: nothing overflows sideways; the main screens render. */
  async phone() {
    return withPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, async (page) => {
      await signIn(page);
      await page.getByTestId("track-row").first().waitFor();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const library = await overflow();
      await shot(page, "library-phone");
      await page.goto(`${args.base}/tracks/${args.trackId}`);
      await page.locator(".track-head h1").waitFor();
      await page.locator(".channel").first().waitFor({ timeout: 60_000 }).catch(() => undefined);
      const track = await overflow();
      await shot(page, "track-phone");
      return { overflow: { library, track } };
    });
  },

  /**
   * The asset studio, as a user goes through it (tests/e2e/test_studio.py): names from a brief,
   * pick one; artwork candidates (with a prompt suggestion taken), pick one; a short video loop
   * from it that plays; a small batch from a pasted CSV; the artistDNA with the picks in its
   * history and a diff; the studio pages at phone width.
   */
  async studio() {
    return withPage({}, async (page) => {
      const seen = {};
      await signIn(page);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Studio" }).click();
      await page.waitForURL(/\/studio\/names$/);
      await page.getByRole("heading", { name: "Track names", level: 1 }).waitFor();
      seen.studioNav = await page.getByRole("navigation", { name: "Studio" }).getByRole("link").allTextContents();

      // names: a brief, candidates with their flags and engine, pick one
      await page.getByLabel("Artist name").fill(args.artist);
      await page.getByLabel("Genre").fill(args.genre);
      await page.getByLabel("Mood").fill(args.mood);
      const themes = page.getByRole("textbox", { name: "Key themes" });
      for (const theme of args.themes) {
        await themes.fill(theme);
        await themes.press("Enter");
      }
      await page.getByLabel("How many names").fill(String(args.count));
      await page.getByLabel(/^Seed/).fill(String(args.seed));
      await page.getByRole("button", { name: "Suggest names" }).click();
      const names = page.getByTestId("name-candidate");
      await names.first().waitFor();
      seen.names = await names.evaluateAll((els) => els.map((el) => ({
        name: el.querySelector(".name-text")?.textContent,
        flags: [...el.querySelectorAll(".flag")].map((f) => f.textContent),
        pickable: !el.querySelector("button")?.disabled,
      })));
      seen.namesEngine = await page.locator(".engine").first().textContent();
      const pickable = seen.names.find((n) => n.pickable);
      await page.getByRole("button", { name: `Pick ${pickable.name}`, exact: true }).click();
      seen.namePicked = await page.getByTestId("name-picked").textContent();
      seen.pickedName = pickable.name;
      await shot(page, "studio-names", { fullPage: true });

      // artwork: the brief is remembered; a suggestion completes the prompt; 2 candidates
      await page.getByRole("navigation", { name: "Studio" }).getByRole("link", { name: "Artwork" }).click();
      await page.getByRole("heading", { name: "Artwork", level: 1 }).waitFor();
      seen.rememberedArtist = await page.getByLabel("Artist name").inputValue();
      const suggestions = page.getByTestId("prompt-suggestions").getByRole("button");
      await suggestions.first().waitFor();
      seen.suggestions = await suggestions.allTextContents();
      // typing a word's start offers to complete it
      await page.getByLabel("Prompt", { exact: true }).fill(args.prompt);
      const completion = suggestions.filter({ hasText: "→" }).first();
      await completion.waitFor();
      seen.completion = await completion.textContent();
      await completion.click();
      seen.prompt = await page.getByLabel("Prompt", { exact: true }).inputValue();
      await page.getByLabel(/^Title/).fill(args.title);
      await page.getByLabel("Candidates").fill("2");
      // a reference image goes straight to storage (presigned PUT); the vision engine reads it
      await page.getByTestId("reference-input").setInputFiles(args.reference);
      await page.locator(".reference-ready").waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: "Generate artwork" }).click();
      await page.getByTestId("studio-job").waitFor();
      seen.artworkProgress = await page.getByRole("progressbar").first().getAttribute("aria-label");
      const candidates = page.getByTestId("artwork-candidate");
      await candidates.first().waitFor({ timeout: args.timeoutS * 1000 });
      seen.artworkUrl = page.url();
      await page.waitForFunction(() => [...document.querySelectorAll(".candidate img")].every((img) => img.complete && img.naturalWidth > 0));
      seen.references = await page.locator(".reference-notes li").allTextContents();
      seen.candidates = await candidates.evaluateAll((els) => els.map((el) => ({
        caption: el.querySelector("figcaption .small")?.textContent,
        offline: Boolean(el.querySelector(".badge-warn")),
        width: el.querySelector("img")?.naturalWidth,
      })));
      await shot(page, "studio-artwork", { fullPage: true });
      await page.getByRole("button", { name: "Pick Candidate 1" }).click();
      seen.artworkPicked = await page.getByTestId("artwork-picked").textContent();

      // video: from the pick, 3 seconds; it must play in the <video> element
      await page.getByTestId("artwork-picked").getByRole("link", { name: "Make a video loop" }).click();
      await page.getByRole("heading", { name: "Video loop", level: 1 }).waitFor();
      await page.getByLabel("Length").selectOption(String(args.seconds));
      await page.getByRole("button", { name: "Make the loop" }).click();
      const video = page.getByTestId("loop-video");
      await video.waitFor({ timeout: args.timeoutS * 1000 });
      await page.waitForFunction(() => {
        const v = document.querySelector("[data-testid=loop-video]");
        return v && !v.paused && v.currentTime > 0.3 && v.readyState >= 2;
      }, null, { timeout: 30_000 });
      seen.video = await video.evaluate((v) => ({
        loop: v.loop, muted: v.muted, controls: v.controls, paused: v.paused, duration: v.duration,
        width: v.videoWidth, height: v.videoHeight, error: v.error?.message ?? null,
      }));
      seen.videoDownload = await page.getByTestId("video-download").getAttribute("href");
      await page.getByRole("heading", { name: "The loop" }).evaluate((el) => {
        el.scrollIntoView();
        window.scrollBy(0, -90);  // below the sticky top bar
      });
      await shot(page, "studio-video");

      // batch: a pasted CSV with one bad row, fixed, then made
      await page.getByRole("navigation", { name: "Studio" }).getByRole("link", { name: "Batch" }).click();
      const paste = page.getByLabel("…or paste it");
      await paste.fill(args.badCsv);
      seen.batchBad = await page.getByTestId("batch-summary").textContent();
      seen.batchStartDisabled = await page.getByRole("button", { name: /^Start/ }).isDisabled();
      await paste.fill(args.csv);
      await page.getByRole("button", { name: /^Start \d+ artwork/ }).click();
      await page.getByTestId("contact-sheet").waitFor({ timeout: args.timeoutS * 1000 });
      await page.waitForFunction(() => document.querySelector("[data-testid=contact-sheet]")?.naturalWidth > 0);
      seen.batchItems = await page.getByTestId("batch-item").allTextContents();

      // artistDNA: the picks in the history, the latest change as a diff
      await page.getByRole("navigation", { name: "Studio" }).getByRole("link", { name: "artistDNA" }).click();
      await page.getByTestId("dna-document").waitFor();
      await page.getByTestId("dna-history").waitFor();
      seen.history = await page.getByTestId("dna-history").locator(".history-change").allTextContents();
      seen.dnaNames = await page.getByTestId("dna-names").locator("strong").allTextContents();
      await page.getByTestId("dna-artworks").locator("img").first().waitFor();
      seen.dnaVideos = await page.locator(".dna-videos video").count();
      await page.getByTestId("diff-summary").waitFor();
      seen.diff = await page.getByTestId("diff-row").evaluateAll((rows) => rows.map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent)));
      await page.getByRole("button", { name: "Edit the style" }).click();
      const editor = page.getByRole("form", { name: "Edit the style" });
      await editor.getByLabel("Add colours").fill(args.palette.join(", "));
      await editor.getByRole("button", { name: "Add colour" }).click();
      await editor.getByRole("textbox", { name: "Moods", exact: true }).fill("nocturnal");
      await editor.getByRole("textbox", { name: "Moods", exact: true }).press("Enter");
      await editor.getByRole("button", { name: "Save as a new version" }).click();
      await editor.waitFor({ state: "detached" });
      await page.getByRole("list", { name: "Palette" }).waitFor();
      seen.swatches = await page.getByRole("list", { name: "Palette" }).locator(".swatch-name").allTextContents();
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=dna-history] li").length > n, seen.history.length);
      seen.historyAfterStyle = await page.getByTestId("dna-history").locator(".history-change").allTextContents();
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "studio-dna", { fullPage: true });

      // phone width: nothing overflows sideways
      await page.setViewportSize({ width: 390, height: 844 });
      seen.overflow = {};
      for (const [name, path] of [["names", "/studio/names"], ["artwork", new URL(seen.artworkUrl).pathname], ["dna", "/studio/dna"]]) {
        await page.goto(`${args.base}${path}`);
        await page.getByRole("heading", { level: 1 }).waitFor();
        await page.waitForTimeout(300);
        seen.overflow[name] = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      }
      return seen;
    });
  },

  /**
   * For bench/web_budget.py: time from navigation start until the library's first track row is
   * in the DOM (a time-to-interactive proxy: the list is rendered from API data and reacts),
   * against a blank page from the same server; each load in a fresh context (cold cache) and
   * once more in the same context (warm cache).
   */
  async budget() {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const claims = JSON.parse(Buffer.from(args.token.split(".")[1], "base64url").toString());
    const session = JSON.stringify({ token: args.token, kind: "dev", name: claims.sub, expiresAt: claims.exp * 1000 });
    const samples = { library_cold: [], library_warm: [], blank_cold: [], blank_warm: [], tracks_asked_cold: [], tracks_asked_warm: [], tracks_answered_cold: [], tracks_answered_warm: [] };
    // Installed before any page script runs: notes when the first track row enters the DOM.
    const watchList = () => new MutationObserver((_, observer) => {
      if (document.querySelector("[data-testid=track-row]")) {
        const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/tracks"));
        window.__listAt = [performance.now(), api?.startTime ?? null, api?.responseEnd ?? null];
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
    const loaded = () => performance.getEntriesByType("navigation")[0].loadEventEnd;
    try {
      for (let run = 0; run < args.runs; run++) {
        for (const page of ["library", "blank"]) {  // interleaved: drift hits both alike
          const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
          await context.addInitScript((value) => localStorage.setItem("soundmosaic.session", value), session);
          await context.addInitScript(watchList);
          const tab = await context.newPage();
          for (const cache of ["cold", "warm"]) {
            if (page === "library") {
              await tab.goto(`${args.base}/`, { waitUntil: "commit" });
              const [listAt, askedAt, answeredAt] = await (await tab.waitForFunction(() => window.__listAt)).jsonValue();
              samples[`library_${cache}`].push(listAt);
              samples[`tracks_asked_${cache}`].push(askedAt);
              samples[`tracks_answered_${cache}`].push(answeredAt);
            } else {
              await tab.goto(`${args.base}/${args.blank}`, { waitUntil: "load" });
              samples[`blank_${cache}`].push(await tab.evaluate(loaded));
            }
          }
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
    return { samples };
  },

  /**
   * The writers' room: create a room, upload `script` (one file or several) and wait until each
   * is done (indexed, or failed with its reason), ask
   * the archivist each of `questions` in one session (the reply's text as polled, its engine and
   * citations) and open the first citation's scene; with `note`, add a note linked to an episode
   * and a character and find it again by search; with `draft`, check its continuity and
   * summarise `character`'s arc; screenshots along the way (`suffix` on names).
   */
  async writers() {
    const name = (base) => `${base}${args.suffix ?? ""}`;
    return withPage({}, async (page) => {
      await signIn(page);
      await page.getByRole("link", { name: "Writers' room" }).click();
      await page.getByLabel("New room").fill(args.room);
      await page.getByRole("button", { name: "Create room" }).click();
      await page.getByRole("heading", { name: args.room, level: 1 }).waitFor();

      await page.getByRole("link", { name: "Documents" }).click();
      await page.getByTestId("file-input").setInputFiles([args.script].flat());
      const files = [args.script].flat();
      await page.getByTestId("document").first().waitFor();
      await page.waitForFunction((n) => [...document.querySelectorAll("[data-testid=document] .badge")]
        .filter((b) => ["indexed", "failed", "duplicate", "superseded"].includes(b.textContent ?? "")).length >= n,
      files.length, { timeout: args.ingestTimeoutMs ?? 240_000 });
      const documents = await page.getByTestId("document").evaluateAll((els) => els.map((el) => el.textContent));
      await shot(page, name("writers-documents"));

      await page.getByRole("link", { name: "Bible" }).click();
      await page.getByTestId("character").first().waitFor();
      const characters = await page.getByTestId("character").evaluateAll((els) => els.map((el) => el.querySelector("strong")?.textContent));
      await shot(page, name("writers-bible"), { fullPage: true });

      await page.getByRole("link", { name: "Chat" }).click();
      const turns = [];
      for (const question of args.questions) {
        await page.getByLabel("Message").fill(question);
        await page.getByRole("button", { name: "Ask" }).click();
        const texts = [];
        const answer = page.getByTestId("turn").nth(turns.length).locator(".chat-answer");
        for (let i = 0; i < 1200; i++) {  // the reply as it grows (the page polls the turn)
          const done = (await answer.getAttribute("aria-busy").catch(() => null)) === "false";
          const text = await answer.getByTestId("answer").textContent({ timeout: 50 }).catch(() => null);
          if (text && texts.at(-1) !== text) texts.push(text);
          if (done) break;
          await page.waitForTimeout(50);
        }
        turns.push({
          texts,
          engine: await answer.locator(".engine").textContent(),
          citations: await answer.getByTestId("citation").evaluateAll((els) => els.map((el) => el.textContent)),
        });
      }
      await page.getByTestId("turn").last().getByTestId("citation").first().click();
      const scene = page.getByRole("complementary", { name: "Scene" });
      await scene.getByTestId("scene-text").waitFor();
      const sceneText = await scene.getByTestId("scene-text").textContent();
      await shot(page, name("writers-chat"));

      let notes = null;
      if (args.note) {
        await page.getByRole("link", { name: "Notes" }).click();
        const form = page.getByRole("form", { name: "New note" });
        await form.getByLabel("Title").fill(args.note.title);
        await form.getByLabel("Note").fill(args.note.body);
        await form.getByLabel("Tags").fill(args.note.tags);
        await form.getByLabel("Episodes").fill(args.note.episodes);
        await form.getByLabel("Characters").fill(args.note.characters);
        await form.getByRole("button", { name: "Add note" }).click();
        await page.getByTestId("note").first().waitFor();
        await page.getByLabel("Search notes").fill(args.note.search);
        await page.waitForFunction(() => document.querySelectorAll("[data-testid=note]").length === 1);
        notes = await page.getByTestId("note").evaluateAll((els) => els.map((el) => el.querySelector("h3")?.textContent));
        await shot(page, name("writers-notes"));
      }

      let tools = null;
      if (args.draft) {
        await page.getByRole("link", { name: "Creative tools" }).click();
        const check = page.getByRole("form", { name: "Continuity check" });
        await check.getByLabel("Draft").fill(args.draft);
        await check.getByRole("button", { name: "Check continuity" }).click();
        await check.getByTestId("tool-reply").waitFor({ timeout: 120_000 });
        const arc = page.getByRole("form", { name: "Character arc" });
        await arc.getByLabel("Character").fill(args.character);
        await arc.getByRole("button", { name: "Summarise the arc" }).click();
        await arc.getByTestId("tool-reply").waitFor({ timeout: 120_000 });
        tools = {
          findings: await check.getByTestId("finding").evaluateAll((els) => els.map((el) => el.textContent)),
          arc: await arc.getByTestId("tool-reply").textContent(),
        };
        await shot(page, name("writers-tools"));
      }

      await page.getByRole("link", { name: "Metrics" }).click();
      await page.getByTestId("total-share").or(page.getByText("No model calls in these days")).first().waitFor();
      const cacheShare = await page.getByTestId("total-share").textContent({ timeout: 100 }).catch(() => null);
      await shot(page, name("writers-metrics"), { fullPage: true });
      return { documents, characters, turns, sceneText, notes, tools, cacheShare };
    });
  },

  /**
   * The sample library: list, filter by class, audition on hover and with the keyboard (the
   * sample's WAV is fetched and decoded), sort by similarity, the map of sounds, star, and a
   * sample pack of two chosen samples.
   */
  async sampleLibrary() {
    return withPage({}, async (page) => {
      const fetched = new Set();
      page.on("response", (reply) => reply.url().includes("/samples/") && reply.url().includes(".wav") && fetched.add(reply.url().split("?")[0]));
      await signIn(page);
      await page.getByRole("link", { name: "Samples" }).click();
      await page.getByRole("heading", { name: "Samples", level: 1 }).waitFor();
      const rows = page.getByTestId("sample-row");
      await rows.first().waitFor();
      const listed = await rows.count();
      await shot(page, "sample-library");
      await rows.nth(0).hover();
      await page.waitForTimeout(400);
      await rows.nth(1).focus();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await page.waitForTimeout(400);
      const auditioned = fetched.size;
      await page.getByRole("combobox", { name: "Class", exact: true }).selectOption("kick");
      await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=sample-row] select")].every((s) => s.value === "kick"));
      const kicks = await rows.count();
      await rows.nth(0).getByRole("button", { name: "Similar" }).click();
      await page.getByText(/Sorted by similarity/).waitFor();
      await page.waitForFunction(() => document.querySelector("[data-testid=sample-row] td:nth-child(9)")?.textContent?.endsWith("%"));
      const similarity = await rows.nth(0).locator("td").nth(8).textContent();
      await page.getByRole("button", { name: "Clear" }).click();
      await page.getByRole("combobox", { name: "Class", exact: true }).selectOption("");
      await page.getByRole("button", { name: "Map of sounds" }).click();
      await page.getByTestId("sound-map").waitFor();
      const points = await page.locator("[data-testid=sound-map] circle").count();
      await shot(page, "sample-map", { fullPage: true });
      await page.getByRole("button", { name: "Hide the map" }).click();
      const first = rows.nth(0);
      await first.getByRole("button", { name: /^Star / }).click();
      await first.getByRole("button", { name: /^Unstar / }).waitFor();
      await rows.nth(0).getByRole("checkbox").check();
      await rows.nth(1).getByRole("checkbox").check();
      await page.getByRole("button", { name: "Export sample pack (2)" }).click();
      const pack = await page.getByTestId("pack-link").getAttribute("href");
      return { listed, auditioned, kicks, similarity, points, pack };
    });
  },
};

if (!scenarios[scenario]) {
  console.error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  const result = await scenarios[scenario]();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err) })}\n`);
  process.exit(1);
}
