// Drives one test page in an already running Chromium (started by
// browser_peer.py, which owns its PID) through puppeteer-core.
//   node controller.js WS_ENDPOINT PAGE_URL
// stdin: one JSON request a line {"id": n, "fn": "register", "args": [...]},
// calling window.phone[fn](...args) in the page (promises are awaited);
// stdout: one JSON reply a line {"id": n, "ok": true, "value": ...} or
// {"id": n, "ok": false, "error": "..."}; first line {"id": 0, "ok": true}
// once the page is loaded. The page's console goes to stderr.
const puppeteer = require('puppeteer-core');
const readline = require('readline');

const [endpoint, pageUrl] = process.argv.slice(2);
const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

async function main() {
  const browser = await puppeteer.connect({ browserWSEndpoint: endpoint, defaultViewport: null });
  const pages = await browser.pages();
  const page = pages.length ? pages[0] : await browser.newPage();
  page.on('console', (m) => process.stderr.write('page ' + m.type() + ': ' + m.text() + '\n'));
  page.on('pageerror', (e) => process.stderr.write('page error: ' + e.message + '\n'));
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 10000 });
  await page.waitForFunction(() => window.phone !== undefined, { timeout: 10000 });
  reply({ id: 0, ok: true, value: await page.evaluate(() => window.phone.version) });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      reply({ id: null, ok: false, error: 'bad request: ' + e.message });
      return;
    }
    try {
      const value = await page.evaluate((fn, args) => window.phone[fn](...args), req.fn, req.args || []);
      reply({ id: req.id, ok: true, value: value === undefined ? null : value });
    } catch (e) {
      reply({ id: req.id, ok: false, error: String(e.message || e).split('\n')[0] });
    }
  });
  rl.on('close', () => { browser.disconnect().finally(() => process.exit(0)); });
}

main().catch((e) => {
  reply({ id: 0, ok: false, error: String(e.message || e) });
  process.exit(1);
});
