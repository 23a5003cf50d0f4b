// The admin page in real Chromium: it asks for the admin token (a wrong
// one is refused with a message), then shows the live snapshot stream —
// a socket opened elsewhere raises "connections open" by one, 20
// messages a second show as a received rate and a line on the chart —
// and a reload keeps the token (sessionStorage) instead of asking again.
//
// node tests/browser/admin.mjs ADMIN_BASE_URL SOCKET_WS_URL TOKEN [SCREENSHOT.png]
import { chromium } from "playwright-core";

const [base, socketUrl, token, screenshot] = process.argv.slice(2);
if (!base || !socketUrl || !token) {
  console.error("usage: node admin.mjs ADMIN_BASE_URL SOCKET_WS_URL TOKEN [SCREENSHOT.png]");
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

/// The number an element shows ("1,234" reads 1234; "–" reads NaN).
async function number(page, selector) {
  const text = await page.textContent(selector);
  return Number.parseFloat(text.replace(/,/g, ""));
}

try {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("pageerror", (err) => console.error(`page error: ${err}`));

  // Signed out: the form, and nothing of the dashboard.
  await page.goto(base);
  await page.waitForSelector("#login #token", { state: "visible" });
  if (await page.isVisible("#dashboard")) throw new Error("the dashboard shows before signing in");

  // A wrong token is refused, and not kept.
  await page.fill("#token", "not-the-admin-token");
  await page.click('#login button[type="submit"]');
  await page.waitForSelector('#login-message:has-text("refused")');
  if (!(await page.isVisible("#login #token"))) throw new Error("the form went away after a wrong token");
  const kept = await page.evaluate(() => sessionStorage.getItem("switchboard-admin-token"));
  if (kept !== null) throw new Error(`a refused token was kept: ${kept}`);

  // The right one shows the live numbers.
  await page.fill("#token", token);
  await page.click('#login button[type="submit"]');
  await page.waitForSelector("#dashboard", { state: "visible" });
  await page.waitForSelector("#login", { state: "hidden" });
  await page.waitForFunction(() => /^\d[\d,]*$/.test(document.querySelector("#connections").textContent));
  const before = await number(page, "#connections");
  const node = (await page.textContent("#node")).trim();
  if (!node) throw new Error("the header shows no node id");

  // A socket from a second page, opened at the socket listener's own
  // origin so that the Origin check lets it through. The test app has no
  // page of its own: /healthz will do (a page fulfilled by the test rather
  // than loaded from the loopback address trips Chromium's local network
  // access check).
  const origin = new URL(socketUrl.replace(/^ws/, "http")).origin;
  const client = await (await browser.newContext()).newPage();
  client.setDefaultTimeout(timeout);
  client.on("pageerror", (err) => console.error(`client page error: ${err}`));
  await client.goto(`${origin}/healthz`);
  await client.evaluate(
    (url) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        window.ws = ws;
        window.replies = 0;
        ws.onmessage = () => window.replies++;
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error(`the socket to ${url} failed`));
        ws.onclose = (e) => reject(new Error(`the socket to ${url} closed: ${e.code} ${e.reason}`));
        setTimeout(() => reject(new Error(`the socket to ${url} did not open`)), 15_000);
      }),
    socketUrl,
  );
  await page.waitForFunction(
    (want) => Number(document.querySelector("#connections").textContent.replace(/,/g, "")) === want,
    before + 1,
  );

  // 20 messages a second for 4 s; the rate shows while they flow.
  await client.evaluate(() => {
    let sent = 0;
    window.sending = setInterval(() => {
      window.ws.send(JSON.stringify({ type: "echo", text: `hi ${sent}` }));
      if (++sent >= 80) {
        clearInterval(window.sending);
        window.sent = true;
      }
    }, 50);
  });
  await page.waitForFunction(
    () => Number.parseFloat(document.querySelector("#rate-received").textContent) > 0,
  );
  const rate = await number(page, "#rate-received");
  // The received line leaves the zero line somewhere.
  await page.waitForFunction(() => {
    const line = document.querySelector('#rates polyline[data-series="received"]');
    const ys = (line?.getAttribute("points") ?? "")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((p) => Number(p.split(",")[1]));
    return ys.length >= 2 && Math.min(...ys) < Math.max(...ys);
  });
  await client.waitForFunction(() => window.sent === true);
  const replies = await client.evaluate(() => window.replies);

  // A reload keeps the token: no form, the numbers again.
  await page.reload();
  await page.waitForSelector("#dashboard", { state: "visible" });
  await page.waitForFunction(() => /^\d[\d,]*$/.test(document.querySelector("#connections").textContent));
  if (await page.isVisible("#login")) throw new Error("the page asked for the token again after a reload");

  if (screenshot) {
    // Some more traffic, so the chart after the reload has a line to show.
    await client.evaluate(() => {
      let sent = 0;
      const burst = setInterval(() => {
        window.ws.send(JSON.stringify({ type: "echo", text: `again ${sent}` }));
        if (++sent >= 60) clearInterval(burst);
      }, 50);
    });
    await page.waitForFunction(() => {
      const line = document.querySelector('#rates polyline[data-series="received"]');
      return (line?.getAttribute("points") ?? "").trim().split(/\s+/).length >= 4;
    });
    await page.screenshot({ path: screenshot });
  }

  console.log(`${node}: ${before} → ${before + 1} connections, ${rate}/s received, ${replies} replies`);
  console.log("admin browser test: ok");
} catch (err) {
  console.error(`admin browser test failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
