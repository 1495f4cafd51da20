// End-to-end check of the booking engine, in a real browser: playwright-core driving
// Debian's chromium (no browser download). Like many suites, it starts the dev server in
// the background and leaves it running when it is done: under a shell that waits for the
// output to close (npm run e2e | cat, a CI runner's log pipe), it never ends, because the
// dev server still holds that pipe. relgate's supervisor ends the step when this process
// ends, and kills what it left behind.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const devServer = fileURLToPath(new URL('../../../tools/dev/serve.js', import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForServer(url, ms) {
  for (const end = Date.now() + ms; Date.now() < end;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the dev server did not answer at ${url} within ${ms} ms`);
}

const port = await freePort();
const url = `http://127.0.0.1:${port}/`;
// its output goes where ours goes: the pipe stays open as long as it runs
spawn(process.execPath, [devServer, 'distributor', '--port', String(port)], {
  stdio: ['ignore', 'inherit', 'inherit'],
}).unref();
await waitForServer(url, 15000);

const browser = await chromium.launch({
  executablePath: process.env.RELGATE_CHROMIUM || '/usr/bin/chromium',
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  await page.waitForFunction(() => window.distributorReady === true, null, { timeout: 10000 });
  const text = await page.textContent('#app');
  if (!/Junior suite/.test(text)) throw new Error(`the rooms are not listed: ${text}`);
  if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
  console.log(`e2e: the booking page is ready on the dev server (${url})`);
} finally {
  await browser.close();
}
// the dev server is not stopped: as in many real suites, nobody remembered to
