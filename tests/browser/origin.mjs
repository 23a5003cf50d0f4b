// Cross-site WebSocket hijacking in real Chromium. The visitor has a
// token cookie for the server's host. A page from another origin (a
// second local port) opens a socket to the server: the browser attaches
// the cookie, and the server must refuse it, while the app's own page
// connects as the visitor. Against a server with the check turned off
// (allowed-origins = ["*"]) the same page gets in as the visitor, which
// shows the cookie really was sent.
//
// node tests/browser/origin.mjs GUARDED_URL OPEN_URL TOKEN
import { chromium } from "playwright-core";
import { readFile } from "node:fs/promises";
import http from "node:http";

const [guarded, unguarded, token] = process.argv.slice(2);
if (!token) {
  console.error("usage: node origin.mjs GUARDED_URL OPEN_URL TOKEN");
  process.exit(2);
}

const probe = await readFile(new URL("probe.html", import.meta.url));
const elsewhere = http.createServer((_, response) => {
  response.writeHead(200, { "content-type": "text/html" });
  response.end(probe);
});
await new Promise((ready) => elsewhere.listen(0, "127.0.0.1", ready));
const attacker = `http://127.0.0.1:${elsewhere.address().port}/attack.html`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});

/// Opens `url` and returns what the probe shows once it has an answer.
async function visit(context, url) {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("result").textContent !== "pending");
  const shown = await page.locator("#result").textContent();
  await page.close();
  return shown;
}

const socketUrl = (base) => `${base.replace(/^http/, "ws").replace(/\/$/, "")}/socket`;

try {
  const context = await browser.newContext();
  // Cookies ignore ports: this one goes to every server on 127.0.0.1.
  await context.addCookies([{ name: "token", value: token, url: guarded, sameSite: "Lax" }]);

  const own = await visit(context, guarded);
  if (own !== "user:ann") throw new Error(`the app's own page got ${own}`);
  const hijack = await visit(context, `${attacker}?target=${encodeURIComponent(socketUrl(guarded))}`);
  if (hijack !== "refused") throw new Error(`the foreign page got ${hijack}`);
  const unchecked = await visit(context, `${attacker}?target=${encodeURIComponent(socketUrl(unguarded))}`);
  if (unchecked !== "user:ann") throw new Error(`without the check the foreign page got ${unchecked}`);
  console.log(`origin browser test: ok (foreign page ${attacker})`);
} catch (err) {
  console.error(`origin browser test failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  elsewhere.close();
}
