// check.js loads each HTML file or http:// URL given in headless Chromium
// (offline: a dead proxy, no DNS; loopback URLs are reached directly),
// runs axe-core on it and prints one line per page: "ok PAGE" or "FAIL
// PAGE" with each serious or critical violation. For a URL, a request to
// another origin or an error on the console fails the page too. With
// PDF=FILE, the first page is also printed to FILE (A4). Exit status 1 if
// any page fails. Usage: node check.js FILE.html|URL...
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.VIGIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  let bad = 0;
  try {
    for (const file of process.argv.slice(2)) {
      const page = await browser.newPage();
      const isURL = /^https?:\/\//.test(file);
      const name = isURL ? new URL(file).pathname + new URL(file).search : path.basename(file);
      const problems = [];
      if (isURL) {
        const origin = new URL(file).origin;
        page.on('request', r => {
          const u = r.url();
          if (!u.startsWith('data:') && new URL(u).origin !== origin) problems.push('request to ' + u);
        });
        page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
        page.on('pageerror', e => problems.push('page error: ' + e.message));
      }
      const resp = await page.goto(isURL ? file : 'file://' + path.resolve(file), { waitUntil: 'load', timeout: 30000 });
      if (isURL && (!resp || resp.status() !== 200)) problems.push('status ' + (resp ? resp.status() : 'none'));
      if (process.env.PDF && file === process.argv[2]) {
        await page.pdf({ path: process.env.PDF, format: 'A4' });
      }
      // axe-core is evaluated in the page, not added as a <script>: the
      // page's CSP (no inline script) would rightly refuse it.
      await page.evaluate(axeSource);
      const res = await page.evaluate(async () => await window.axe.run(document));
      const serious = res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
      if (serious.length === 0 && problems.length === 0) {
        console.log(`ok    axe-core ${res.testEngine.version}: ${name}: no serious or critical violation (${res.passes.length} rules passed)` + (isURL ? ', no other origin, no console error' : ''));
      } else {
        bad++;
        console.log(`FAIL  axe-core: ${name}: ` + serious.map(v => `${v.id} (${v.impact}, ${v.nodes.length})`).concat(problems).join(', '));
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.exit(bad ? 1 : 0);
})().catch(e => { console.log('FAIL  axe-core: ' + e.message); process.exit(1); });
