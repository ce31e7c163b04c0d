// check.js loads each HTML file given in headless Chromium (offline: a
// dead proxy, no DNS), runs axe-core on it and prints one line per file:
// "ok FILE" or "FAIL FILE" with each serious or critical violation. Exit
// status 1 if any. Usage: node check.js FILE.html...
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.VIGIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9', '--host-resolver-rules=MAP * ~NOTFOUND'],
  });
  let bad = 0;
  try {
    for (const file of process.argv.slice(2)) {
      const page = await browser.newPage();
      await page.goto('file://' + path.resolve(file), { waitUntil: 'load', timeout: 30000 });
      await page.addScriptTag({ content: axeSource });
      const res = await page.evaluate(async () => await window.axe.run(document));
      const serious = res.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
      if (serious.length === 0) {
        console.log(`ok    axe-core ${res.testEngine.version}: ${path.basename(file)}: no serious or critical violation (${res.passes.length} rules passed)`);
      } else {
        bad++;
        console.log(`FAIL  axe-core: ${path.basename(file)}: ` + serious.map(v => `${v.id} (${v.impact}, ${v.nodes.length})`).join(', '));
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.exit(bad ? 1 : 0);
})().catch(e => { console.log('FAIL  axe-core: ' + e.message); process.exit(1); });
