// The tasks example in real Chromium: the page connects as a named user,
// starts a long task (POST /api/tasks queues a job), the job's progress
// messages move the task's bar through intermediate values to "done",
// and the heartbeat schedule's message shows up.
//
// node tests/browser/tasks.mjs BASE_URL [SCREENSHOT.png]
import { chromium } from "playwright-core";

const [base, screenshot] = process.argv.slice(2);
if (!base) {
  console.error("usage: node tasks.mjs BASE_URL [SCREENSHOT.png]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const timeout = 15_000;

try {
  const context = await browser.newContext({ viewport: { width: 760, height: 540 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (err) => console.error(`page error: ${err}`));

  await page.goto(new URL("?user=ann", base).href);
  await page.waitForSelector('#status:has-text("connected as ann")');

  // Record every value each task's bar takes, as the page sets it.
  await page.evaluate(() => {
    window.seenProgress = {};
    const record = (bar) => {
      const id = bar.closest(".task").dataset.task;
      const values = (window.seenProgress[id] ??= []);
      const now = Number(bar.getAttribute("aria-valuenow"));
      if (values.at(-1) !== now) values.push(now);
    };
    new MutationObserver((changes) => {
      for (const change of changes) {
        if (change.type === "attributes") record(change.target);
        for (const node of change.addedNodes ?? []) {
          if (node.querySelector) node.querySelectorAll(".bar").forEach(record);
        }
      }
    }).observe(document.getElementById("tasks"), {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["aria-valuenow"],
    });
  });

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/tasks") && r.request().method() === "POST"),
    page.click("#start"),
  ]);
  if (response.status() !== 202) throw new Error(`POST /api/tasks answered ${response.status()}`);
  const { task } = await response.json();
  if (!task) throw new Error("POST /api/tasks gave no task id");
  const row = `.task[data-task="${task}"]`;

  // Some progress, but not finished yet: screenshot mid-way once.
  await page.waitForFunction(
    (sel) => {
      const now = Number(document.querySelector(`${sel} .bar`)?.getAttribute("aria-valuenow"));
      return now > 0 && now < 100;
    },
    row,
  );
  const midway = await page.textContent(`${row} .state`);
  if (!/^\d+ \/ \d+$/.test(midway.trim())) throw new Error(`mid-way state reads "${midway}"`);

  await page.waitForSelector(`${row}.done .state:has-text("done")`);
  const values = await page.evaluate((id) => window.seenProgress[id], task);
  const intermediate = values.filter((v) => v > 0 && v < 100);
  const increasing = values.every((v, i) => i === 0 || v > values[i - 1]);
  if (intermediate.length < 3 || !increasing || values.at(-1) !== 100) {
    throw new Error(`task ${task}'s bar went through ${JSON.stringify(values)}`);
  }

  await page.waitForSelector('#beat-text:has-text("Scheduler heartbeat at")');
  const beat = await page.textContent("#beat-text");
  if (!beat.includes("1 person online")) throw new Error(`heartbeat reads "${beat}"`);

  // A second task, left running, so the screenshot shows both states.
  await page.click("#start");
  await page.waitForFunction(() => {
    const bars = [...document.querySelectorAll(".task:not(.done) .bar")];
    return bars.some((bar) => Number(bar.getAttribute("aria-valuenow")) >= 40);
  });
  if (screenshot) {
    await page.mouse.move(0, 0); // no hover on the button
    await page.waitForTimeout(400); // the bar's width transition settles
    await page.screenshot({ path: screenshot, fullPage: true });
  }

  console.log(`task ${task}'s bar went through ${values.join(" → ")}`);
  console.log("tasks browser test: ok");
} catch (err) {
  console.error(`tasks browser test failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
