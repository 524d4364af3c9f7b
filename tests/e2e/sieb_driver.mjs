#!/usr/bin/env node
// Drives the Sieb pages (web/src/sieb) in headless Chromium with WebGL on SwiftShader (software
// GL: this machine has no GPU): `node sieb_driver.mjs SCENARIO '<json args>'` runs one scenario
// and prints one JSON line with what it saw; logs go to stderr. tests/e2e/test_sieb.py asserts
// on the `sieb` scenario (a real `soundmosaic up`); bench/sieb_cloud.py runs `cloudbench`
// (the built SPA with the API answered in the browser by generated points, to measure frame
// times at 50,000 points, more rows than the sample data has).
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");

// WebGL2 through ANGLE on SwiftShader (software); SIEB_GPU=1 leaves Chromium to use a GPU where
// there is one. No --disable-gpu (that turns WebGL off).
const GL_ARGS = process.env.SIEB_GPU === "1" ? [] : ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"];
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", ...GL_ARGS, "--ignore-gpu-blocklist",
  "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
  "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
];

const [scenario, rawArgs = "{}"] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const log = (...parts) => console.error(`[${scenario}]`, ...parts);

async function withPage(options, run) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1440, height: 900 }, ...options });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("response", (reply) => reply.status() >= 500 && errors.push(`HTTP ${reply.status()} ${reply.request().method()} ${reply.url()}`));
    try {
      const result = await run(page, context);
      return { ...result, consoleErrors: errors };
    } catch (err) {
      await shot(page, `failure-${scenario}`, { fullPage: true }).catch(() => undefined);
      log("console errors:", errors.join(" | "));
      throw err;
    }
  } finally {
    await browser.close();
  }
}

async function shot(page, name, { fullPage = false, element = null } = {}) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  const path = join(args.shots, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage }));
  log("screenshot", path);
}

async function signIn(page) {
  await page.goto(`${args.base}/`);
  await page.getByLabel(/developer token/i).fill(args.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Library", level: 1 }).waitFor();
}

/** Ask in the chat and wait for the next answer (understood or not). */
async function ask(page, question) {
  const before = await page.locator(".sieb-answer").count();
  const box = page.locator(".sieb-ask textarea");
  await box.fill(question);
  await box.press("Enter");
  const answer = page.locator(".sieb-answer").nth(before);
  const refusal = page.locator(".sieb-ask [role=alert]");
  await answer.or(refusal).first().waitFor({ timeout: args.timeoutMs ?? 90_000 });
  if (await refusal.isVisible()) throw new Error(`the API refused "${question}": ${await refusal.textContent()}`);
  return answer;
}

async function answerSeen(answer) {
  const understood = (await answer.getAttribute("data-testid")) === "sieb-answer";
  if (!understood) {
    return { understood, text: (await answer.innerText()).trim(),
      suggestions: await answer.locator(".sieb-suggestions button").allTextContents() };
  }
  return {
    understood,
    engine: await answer.getByTestId("sieb-engine").textContent(),
    timing: await answer.getByTestId("sieb-timing").textContent(),
    range: await answer.getByTestId("sieb-range").textContent(),
    headers: (await answer.locator("thead th").allTextContents()).map((t) => t.replace(/[▲▼]/g, "").trim()),
    rows: await answer.getByTestId("sieb-row").evaluateAll((rows) => rows.slice(0, 60).map((r) => [...r.cells].map((c) => c.textContent))),
  };
}

/** The cloud's view object (cloudView.ts) on the canvas, for positions of points on screen. */
const cloudCall = (page, fn, arg) => page.getByTestId("sieb-canvas").evaluate(fn, arg);

/** How many canvas pixels are not the background: proof that WebGL drew the points. */
const paintedPixels = (page) => cloudCall(page, (canvas) => canvas.siebCloud.litPixels());

/** Visible points' screen positions (relative to the canvas), first `n`. */
const visiblePoints = (page, n) => cloudCall(page, (canvas, n) => {
  const view = canvas.siebCloud;
  const out = [];
  for (let i = 0; out.length < n && i < Number(canvas.dataset.points); i++) {
    const p = view.screenOf(i);
    if (p && p.x > 40 && p.y > 40 && p.x < canvas.clientWidth - 40 && p.y < canvas.clientHeight - 40) out.push({ i, ...p });
  }
  return out;
}, n);

async function waitForFrames(page) {
  await page.getByTestId("sieb-canvas").waitFor();
  await page.waitForFunction(() => {
    const c = document.querySelector("[data-testid=sieb-canvas]");
    return c && c.siebCloud && c.siebCloud.frames > 0;
  }, null, { timeout: 60_000 });
}

/** Canvas-relative to page coordinates. */
async function toPage(page, p) {
  await page.getByTestId("sieb-canvas").scrollIntoViewIfNeeded();
  const box = await page.getByTestId("sieb-canvas").boundingBox();
  return { x: box.x + p.x, y: box.y + p.y };
}

const scenarios = {
  /**
   * The chat and the cloud against the real stack and the sample data: a question, sorting,
   * paging, CSV export, the cloud (drawn, hover, pin, orbit, zoom, lasso, ask about the
   * selection, mapping), a follow-up, a question it does not understand and a suggestion, an
   * edited pipeline and a hostile one.
   */
  async sieb() {
    return withPage({}, async (page) => {
      const seen = {};
      await signIn(page);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sieb" }).click();
      await page.getByRole("heading", { name: "Sieb", level: 1 }).waitFor();
      const first = await ask(page, args.question);
      seen.first = await answerSeen(first);
      await page.mouse.move(0, 0);
      await shot(page, "sieb-chat", { fullPage: true });

      // sorting: a numeric column, ascending (on the server when the rows span pages)
      await first.locator("thead th button", { hasText: new RegExp(`^${args.sortColumn}`) }).click();
      await first.locator(`thead th[aria-sort=ascending]`).waitFor();
      seen.sorted = await answerSeen(first);
      seen.sortedPipeline = await first.locator(".sieb-pipeline textarea").inputValue();
      // paging
      const next = first.getByRole("button", { name: "Next" });
      seen.canPage = await next.isEnabled();
      if (seen.canPage) {
        const range = seen.sorted.range;
        await next.click();
        await page.waitForFunction(([el, before]) => el.textContent !== before, [await first.getByTestId("sieb-range").elementHandle(), range]);
        seen.page2 = await answerSeen(first);
        await first.getByRole("button", { name: "Previous" }).click();
      }
      // CSV export of every row
      const [download] = await Promise.all([page.waitForEvent("download"), first.getByRole("button", { name: "Export CSV" }).click()]);
      const csvPath = join(args.downloads, download.suggestedFilename());
      await download.saveAs(csvPath);
      seen.csv = { name: download.suggestedFilename(), text: readFileSync(csvPath, "utf8") };

      // the cloud
      await first.getByRole("button", { name: "Show point cloud" }).click();
      await waitForFrames(page);
      const cloud = page.locator(".sieb-cloud").first();
      seen.cloud = {
        points: Number(await page.getByTestId("sieb-canvas").getAttribute("data-points")),
        painted: await paintedPixels(page),
        sampling: await cloud.getByTestId("sieb-sampling").textContent(),
        legend: await cloud.getByTestId("sieb-legend").locator("li").allTextContents(),
        axes: await cloud.getByTestId("sieb-axes").locator("li").allTextContents(),
        axisLabels: await cloud.locator(".sieb-overlay span").allTextContents(),
      };
      const [target] = await visiblePoints(page, 1);
      const at = await toPage(page, target);
      await page.mouse.move(at.x, at.y);
      await page.getByTestId("sieb-hover").waitFor();
      // the row behind the point loads (pages through the cursor) and then shows in the tooltip
      await page.getByTestId("sieb-hover").filter({ hasText: "_id" }).waitFor();
      seen.hover = await page.getByTestId("sieb-hover").innerText();
      await page.mouse.click(at.x, at.y);
      await page.getByTestId("sieb-pinned").waitFor();
      seen.pinned = await page.getByTestId("sieb-pinned").locator("li").count();
      // orbit: a drag moves the points on screen; the wheel zooms
      const before = target;
      await page.mouse.move(at.x + 5, at.y + 60);
      await page.mouse.down();
      for (let s = 1; s <= 10; s++) await page.mouse.move(at.x + 5 + s * 12, at.y + 60 + s * 3);
      await page.mouse.up();
      const afterOrbit = await cloudCall(page, (c, i) => c.siebCloud.screenOf(i), target.i);
      seen.orbitMoved = !afterOrbit || Math.hypot(afterOrbit.x - before.x, afterOrbit.y - before.y) > 5;
      const spread = async () => cloudCall(page, (c) => {
        const a = c.siebCloud.screenOf(0) ?? { x: 0, y: 0 };
        const ps = [];
        for (let i = 0; i < Math.min(200, Number(c.dataset.points)); i++) { const p = c.siebCloud.screenOf(i); if (p) ps.push(Math.hypot(p.x - a.x, p.y - a.y)); }
        return ps.reduce((s, d) => s + d, 0) / Math.max(1, ps.length);
      });
      const spreadBefore = await spread();
      await page.getByTestId("sieb-canvas").scrollIntoViewIfNeeded();
      const box = await page.getByTestId("sieb-canvas").boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(100);
      seen.zoomedIn = (await spread()) > spreadBefore;
      await page.mouse.wheel(0, 400);
      await cloud.scrollIntoViewIfNeeded();
      const [again] = await visiblePoints(page, 1);
      const over = await toPage(page, again);
      await page.mouse.move(over.x, over.y);
      await page.getByTestId("sieb-hover").filter({ hasText: "_id" }).waitFor();
      await shot(page, "sieb-cloud", { element: cloud });

      // lasso around a cluster of visible points, then ask about the selection
      await cloud.getByRole("button", { name: "Lasso" }).click();
      const pts = await visiblePoints(page, 400);
      const centre = pts[Math.floor(pts.length / 2)];
      const r = 45;
      const ring = Array.from({ length: 13 }, (_, k) => ({ x: centre.x + r * Math.cos((k / 12) * 2 * Math.PI), y: centre.y + r * Math.sin((k / 12) * 2 * Math.PI) }));
      const start = await toPage(page, ring[0]);
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      for (const p of ring.slice(1)) { const q = await toPage(page, p); await page.mouse.move(q.x, q.y, { steps: 3 }); }
      await page.mouse.up();
      seen.lassoExpected = pts.filter((p) => Math.hypot(p.x - centre.x, p.y - centre.y) < r - 2).map((p) => p.i);
      const selection = page.getByTestId("sieb-selection");
      await selection.waitFor();
      seen.selection = await selection.locator("p").first().innerText();
      if (args.selectionWords) await selection.getByLabel("Ask about the selection").fill(args.selectionWords);
      await page.waitForFunction(() => !document.querySelector("[data-testid=sieb-selection-question]")?.textContent?.startsWith("Loading"));
      seen.selectionQuestion = await page.getByTestId("sieb-selection-question").textContent();
      await shot(page, "sieb-cloud-selection", { element: cloud });
      const count = await page.locator(".sieb-answer").count();
      await selection.getByRole("button", { name: "Ask about the selection" }).click();
      await page.locator(".sieb-answer").nth(count).waitFor({ timeout: 60_000 });
      seen.selectionAnswer = await answerSeen(page.locator(".sieb-answer").nth(count));
      // mapping: another field on x
      if (args.mapX) {
        await cloud.getByLabel("x axis").selectOption(args.mapX);
        await cloud.getByRole("button", { name: "Apply mapping" }).click();
        await page.waitForFunction((field) => [...document.querySelectorAll("[data-testid=sieb-axes] li")][0]?.textContent?.includes(field) ?? false, args.mapXLabel ?? args.mapX);
        seen.remappedAxes = await cloud.getByTestId("sieb-axes").locator("li").allTextContents();
      }

      // a follow-up, a question it does not understand, and one of its suggestions
      seen.followUp = await answerSeen(await ask(page, args.followUp));
      const nonsense = await ask(page, args.nonsense);
      seen.nonsense = await answerSeen(nonsense);
      if (seen.nonsense.suggestions?.length) {
        const n = await page.locator(".sieb-answer").count();
        await nonsense.locator(".sieb-suggestions button").first().click();
        await page.locator(".sieb-answer").nth(n).waitFor({ timeout: 60_000 });
        seen.suggested = await answerSeen(page.locator(".sieb-answer").nth(n));
      }

      // an edited pipeline, then a hostile one
      const last = page.locator("[data-testid=sieb-answer]").last();
      await last.locator(".sieb-pipeline summary").click();
      const editor = last.getByLabel("Pipeline (JSON, editable)");
      const pipeline = JSON.parse(await editor.inputValue());
      await editor.fill(JSON.stringify([...pipeline, { $limit: 3 }], null, 2));
      await last.getByRole("button", { name: "Run pipeline" }).click();
      await last.getByTestId("sieb-engine").filter({ hasText: "your pipeline" }).waitFor();
      seen.edited = await answerSeen(last);
      await editor.fill(JSON.stringify(args.hostilePipeline));
      await last.getByRole("button", { name: "Run pipeline" }).click();
      await last.getByRole("alert").waitFor();
      seen.hostile = await last.getByRole("alert").textContent();
      seen.afterHostile = await answerSeen(last);
      // at phone width the page does not scroll sideways
      await page.setViewportSize({ width: 390, height: 844 });
      seen.phoneScrollsSideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      return seen;
    });
  },

  /**
   * Frame times of the cloud while orbiting, against the built SPA with /api answered in the
   * browser: `points` generated points (a seeded generator, VISUALIZATION.md's inventory
   * mapping), requestAnimationFrame deltas while the mouse drags in circles, then idle.
   */
  async cloudbench() {
    return withPage({}, async (page) => {
      await page.addInitScript((session) => localStorage.setItem("soundmosaic.session", session), JSON.stringify(args.session));
      const points = generatedPoints(args.points, args.total ?? args.points);
      await page.route("**/api/**", (route) => {
        const url = new URL(route.request().url());
        const path = url.pathname.replace(/^\/api/, "");
        if (path === "/sieb/points") return route.fulfill({ json: points });
        if (path === "/sieb/ask" || path === "/sieb/run") return route.fulfill({ json: benchAnswer(args.total ?? args.points) });
        return route.fulfill({ status: 404, json: { message: `not answered in the benchmark: ${path}` } });
      });
      await page.goto(`${args.base}/sieb`);
      await page.getByRole("heading", { name: "Sieb", level: 1 }).waitFor();
      await ask(page, "inventory positions (benchmark)");
      await page.getByRole("button", { name: "Show point cloud" }).click();
      await waitForFrames(page);
      const drawn = Number(await page.getByTestId("sieb-canvas").getAttribute("data-points"));
      const renderer = await cloudCall(page, (c) => {
        const gl = c.siebCloud.gl;
        const info = gl.getExtension("WEBGL_debug_renderer_info");
        return gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
      });
      await page.getByTestId("sieb-canvas").scrollIntoViewIfNeeded();
      const box = await page.getByTestId("sieb-canvas").boundingBox();
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const record = (spin = false) => page.evaluate((spin) => {
        window.__frames = [];
        const run = (window.__run = (window.__run ?? 0) + 1);  // one recorder at a time
        window.__recording = true;
        window.__startRenders = document.querySelector("[data-testid=sieb-canvas]").siebCloud.frames;
        const view = document.querySelector("[data-testid=sieb-canvas]").siebCloud;
        const tick = (t) => {
          if (!window.__recording || window.__run !== run) return;
          window.__frames.push(t);
          if (spin) view.orbitBy(4, 0);  // turn the view a little every frame, as a drag does
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }, spin);
      const stop = () => page.evaluate(() => {
        window.__recording = false;
        const t = window.__frames;
        return { deltas: t.slice(1).map((v, i) => v - t[i]),
          renders: document.querySelector("[data-testid=sieb-canvas]").siebCloud.frames - window.__startRenders };
      });
      // warm up: one slow turn
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let k = 0; k < 30; k++) await page.mouse.move(cx + 100 * Math.cos(k / 5), cy + 60 * Math.sin(k / 5));
      await page.mouse.up();
      // orbiting: drag in circles for `seconds`
      await record();
      const t0 = Date.now();
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      let k = 0;
      while (Date.now() - t0 < args.seconds * 1000) {
        k++;
        await page.mouse.move(cx + 150 * Math.cos(k / 20), cy + 90 * Math.sin(k / 20));
      }
      await page.mouse.up();
      const orbit = await stop();
      // orbiting without the harness's input latency: the page turns the view every frame
      await record(true);
      await page.waitForTimeout(args.seconds * 1000);
      const spin = await stop();
      await shot(page, `cloud-bench-${drawn}`);
      // idle: the same page, nothing moving (the loop draws nothing)
      await record();
      await page.waitForTimeout(Math.min(3, args.seconds) * 1000);
      const idle = await stop();
      return { drawn, renderer, moves: k, orbit, spin, idle };
    });
  },
};

/** A seeded generator (mulberry32), so each run draws the same cloud. */
function random(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ["Accessories", "Audio Cables", "Instruments", "Microphones", "Speakers", "Stage Lighting"];

/** Inventory-like points: days of cover, lead time, stock value (log), category, urgency, stock-outs. */
function generatedPoints(n, total) {
  const rnd = random(20261207);
  const x = [], y = [], z = [], color = [], size = [], highlight = [], row_index = [];
  for (let i = 0; i < n; i++) {
    const out = rnd() < 0.04;
    x.push(out ? 0 : Math.min(365, -Math.log(1 - rnd()) * 60));
    y.push(Math.round(3 + rnd() * 60));
    z.push(out ? 0 : Math.exp(4 + rnd() * 7));
    color.push(CATEGORIES[Math.floor(rnd() * CATEGORIES.length)]);
    size.push(out ? 1 : Math.max(0, rnd() - 0.6));
    highlight.push(out);
    row_index.push(total > n ? Math.floor((i * total) / n) : i);
  }
  return {
    points: { x, y, z, color, size, highlight, row_index },
    axes: { x: { field: "days_of_cover", label: "Days of cover", unit: "days", scale: "linear" },
      y: { field: "lead_time_days", label: "Supplier lead time", unit: "days", scale: "linear" },
      z: { field: "stock_value", label: "Stock value", unit: "EUR", scale: "log" } },
    color: { field: "category", categories: CATEGORIES, palette: [] },
    size: { field: "urgency" },
    total, sampled: total > n, sample_size: n,
  };
}

function benchAnswer(total) {
  const rows = Array.from({ length: 50 }, (_, i) => ({ _id: `INV-${String(i + 1).padStart(6, "0")}`, category: CATEGORIES[i % 6], on_hand: i }));
  return {
    conversation_id: "bench", understood: true, engine: "benchmark", collection: "inventory", pipeline: [{ $match: {} }],
    rows, columns: [{ name: "_id", type: "string" }, { name: "category", type: "string" }, { name: "on_hand", type: "integer" }],
    total, next_cursor: total > 50 ? "bench-next" : null, mapping: {}, timing_ms: { plan: 0, query: 0 },
    message: "Generated rows for the frame-time benchmark.", suggestions: [],
  };
}

try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  console.log(JSON.stringify(await run()));
} catch (err) {
  log(err?.stack ?? String(err));
  console.log(JSON.stringify({ error: String(err?.message ?? err) }));
  process.exitCode = 1;
}
