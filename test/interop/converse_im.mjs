// Drives Converse.js in headless Chromium against hermod over WebSocket or
// BOSH, or over what it discovers (XEP-0156):
// converse.html logs in, fetches the roster and chats with a Turms-protocol
// user (an echo bot run by the Go test). Prints OK and exits 0 on success.
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

// ws is the WebSocket URL, an http URL for BOSH, or "discover" with the
// server's host-meta URL as hostMeta: the browser then reaches that URL
// when Converse fetches https://<domain>/.well-known/host-meta (as if the
// domain resolved to the server).
// upload, when given, is the content of a file Converse uploads (XEP-0363)
// and sends to peer.
const [ws, jid, pw, peer, hostMeta, upload] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));

// Serve this directory on loopback: module scripts do not load from file://.
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml" };
const server = createServer(async (req, res) => {
  const p = path.normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = path.join(here, p);
  if (!file.startsWith(here)) { res.writeHead(403).end(); return; }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const page_url = `http://127.0.0.1:${server.address().port}/converse.html?` +
  new URLSearchParams({ ws, jid, pw, peer, ...(upload ? { upload } : {}) }).toString();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--ignore-certificate-errors", "--disable-component-update", "--disable-sync",
  ],
});
let ok = false;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") console.log("console:", m.text()); });
  page.on("pageerror", (e) => console.log("page error:", e.message));
  if (hostMeta && hostMeta !== "-") {
    const domain = jid.split("@")[1];
    await page.route(`https://${domain}/.well-known/host-meta*`, async (route) => {
      const res = await fetch(hostMeta);
      const body = await res.text();
      console.log(`host-meta of ${domain}:\n${body}`);
      await route.fulfill({ status: res.status, headers: Object.fromEntries(res.headers), body });
    });
  }
  await page.goto(page_url);
  await page.waitForFunction(() => window.hermodResult, null, { timeout: 45000 });
  if (upload) {
    await page.waitForFunction(() => window.hermodUploaded, null, { timeout: 30000 })
      .catch(async () => { console.log((await page.evaluate(() => window.hermodLog)).join("\n")); throw new Error("the file was not uploaded"); });
  }
  const [result, log, roster] = await page.evaluate(() => [window.hermodResult, window.hermodLog, window.hermodRoster]);
  console.log(log.join("\n"));
  if (result !== "ok") throw new Error(result);
  if (!roster) throw new Error("the roster was never fetched");
  ok = true;
} catch (e) {
  console.log("FAILED:", e.message);
} finally {
  await browser.close();
  server.close();
}
if (ok) console.log("OK");
process.exit(ok ? 0 : 1);
