#!/usr/bin/env node
// Drives the event booth pages (web/src/booth) in headless Chromium with a fake camera: Chromium
// plays `args.camera` (a .y4m made from a package-shipped portrait) as the webcam
// (--use-fake-device-for-media-stream, --use-file-for-fake-video-capture) and grants it
// (--use-fake-ui-for-media-stream). `node booth_driver.mjs kiosk '<json args>'` prints one JSON
// line with what it saw; tests/e2e/test_booth.py asserts.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "web", "package.json"));
const { chromium } = require("playwright-core");

const [scenario, rawArgs = "{}"] = process.argv.slice(2);
const args = JSON.parse(rawArgs);
const log = (...parts) => console.error(`[${scenario}]`, ...parts);

const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync",
  "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  `--use-file-for-fake-video-capture=${args.camera}`,
];

async function shot(page, name) {
  if (!args.shots) return;
  mkdirSync(args.shots, { recursive: true });
  await page.screenshot({ path: join(args.shots, `${name}.png`) });
  log("screenshot", name);
}

const scenarios = {
  /** A tablet-sized kiosk: camera, form, consent, QR code; the queue; the participant's page. */
  async kiosk() {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const errors = [];
    try {
      const context = await browser.newContext({ viewport: { width: 1024, height: 1366 }, hasTouch: true, isMobile: true });
      await context.grantPermissions(["camera"], { origin: args.base });
      const page = await context.newPage();
      page.on("pageerror", (err) => errors.push(String(err)));
      page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
      await page.goto(`${args.base}/signin?next=/booth`);
      await page.getByLabel(/developer token/i).fill(args.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      const camera = page.getByLabel("Camera");
      await camera.waitFor();
      await page.waitForFunction(() => (document.querySelector("video")?.videoWidth ?? 0) > 0, null, { timeout: 30000 });
      await page.getByLabel("Your name").fill(args.form.name);
      await shot(page, "booth-kiosk");
      const take = page.getByRole("button", { name: "Take photo" });
      const box = await take.boundingBox();
      await take.tap();
      await page.getByRole("img", { name: "Your photo" }).waitFor();
      await page.getByLabel("E-mail").fill(args.form.email);
      await page.getByLabel(/^Phone/).fill("21 91234");  // no country code: refused per field
      for (const label of await page.locator(".kiosk-check input").all()) await label.check();
      await page.getByRole("button", { name: "Make my video" }).tap();
      await page.locator("#phone-error").waitFor();
      const phoneError = await page.locator("#phone-error").textContent();
      await page.getByLabel(/^Phone/).fill(args.form.phone);
      await page.getByRole("button", { name: "Make my video" }).tap();
      await page.getByRole("img", { name: "QR code of your page" }).waitFor({ timeout: 60000 });
      const link = await page.getByTestId("participant-link").textContent();
      await shot(page, "booth-qr");
      await page.goto(`${args.base}/booth/queue`);
      await page.getByTestId("job-row").first().waitFor();
      await page.waitForFunction(() => document.querySelector("[data-testid=job-row]")?.textContent?.match(/succeeded|failed/),
        null, { timeout: args.jobTimeoutMs ?? 240000 });
      const jobRow = await page.getByTestId("job-row").first().textContent();
      await page.getByTestId("print-item").first().waitFor({ timeout: 20000 }).catch(() => undefined);
      await shot(page, "booth-queue");
      // The participant: a fresh context with no session at all.
      const visitor = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      const mine = await visitor.newPage();
      mine.on("pageerror", (err) => errors.push(String(err)));
      await mine.goto(link.replace(/^https?:\/\/[^/]+/, args.base));
      await mine.getByRole("link", { name: "Download the video" }).waitFor({ timeout: 60000 });
      const video = await mine.getByLabel("Your video").getAttribute("src");
      const image = await mine.getByRole("link", { name: "Download the image" }).getAttribute("href");
      await mine.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 2, null, { timeout: 30000 }).catch(() => undefined);
      await shot(mine, "booth-participant");
      return { link, phoneError, jobRow, video, image, takeButton: box, consoleErrors: errors };
    } finally {
      await browser.close();
    }
  },
};

try {
  const result = await scenarios[scenario]();
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exitCode = 1;
}
