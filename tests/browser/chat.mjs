// Two people chat in the example app in real Chromium: they join a room,
// exchange a message, see each other online, and one leaves. A third
// signs in for 3 s (`?session=3`): the server closes the socket with 4001,
// the page signs in again at once, rejoins its room and still chats.
//
// node tests/browser/chat.mjs BASE_URL [SCREENSHOT.png]
import { chromium } from "playwright-core";

const [base, screenshot] = process.argv.slice(2);
if (!base) {
  console.error("usage: node chat.mjs BASE_URL [SCREENSHOT.png]");
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

const timeout = 10_000;

async function person(name, query = "") {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(timeout);
  await page.goto(base + query);
  await page.fill("#name", name);
  await page.click("#signin button");
  await page.waitForSelector(`#status:has-text("signed in as ${name}")`);
  await page.fill("#room", "lobby");
  await page.click("#join button");
  return page;
}

async function onlineList(page) {
  return (await page.locator("#online li").allTextContents()).sort();
}

try {
  const ann = await person("ann");
  const bob = await person("bob");

  await ann.waitForFunction(() => document.querySelectorAll("#online li").length === 2);
  const seen = await onlineList(ann);
  if (JSON.stringify(seen) !== JSON.stringify(["ann", "bob"])) throw new Error(`ann sees online: ${seen}`);
  await bob.waitForFunction(() => document.querySelectorAll("#online li").length === 2);

  await bob.waitForSelector('#messages :text("bob joined lobby")');
  await ann.fill("#text", "hello from ann");
  await ann.click("#say button");
  await bob.waitForSelector('#messages :text("hello from ann")');
  await bob.fill("#text", "hi ann, bob here");
  await bob.click("#say button");
  await ann.waitForSelector('#messages :text("hi ann, bob here")');

  if (screenshot) await ann.screenshot({ path: screenshot });

  await bob.close();
  await ann.waitForFunction(() => document.querySelectorAll("#online li").length === 1);
  const after = await onlineList(ann);
  if (JSON.stringify(after) !== JSON.stringify(["ann"])) throw new Error(`after bob left ann sees: ${after}`);
  await ann.waitForSelector('#messages :text("bob left lobby")');

  const cat = await person("cat", "?session=3");
  await cat.waitForSelector('#status:has-text("signed in as cat (session renewed)")');
  await ann.waitForSelector('#messages :text("cat left lobby")');
  // Both online again: the renewed sign-in's on-online has run, after the
  // expired one's on-offline (which left the room the page rejoined,
  // perhaps after the rejoin), so join once more before speaking.
  await cat.waitForFunction(() => document.querySelectorAll("#online li").length === 2);
  await cat.click("#join button");
  await cat.fill("#text", "cat again");
  await cat.click("#say button");
  await ann.waitForSelector('#messages :text("cat again")');
  console.log("chat browser test: ok");
} catch (err) {
  console.error(`chat browser test failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
