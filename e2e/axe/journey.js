// journey.js walks the observatory in headless Chromium as a newcomer
// would: on the home page it types NAME in the search box and submits,
// follows the first result to the organisation's page, checks its name,
// its history chart and what changed since the previous campaign, follows
// the full report of a domain and its printable version, then the latest
// campaign, the open data and the badge. One line per step: "ok STEP" or
// "FAIL STEP: why"; exit status 1 if any step fails. With SHOTS=DIR, it
// saves screenshots of the main pages there (PNG, 1280 pixels wide).
// Offline: a dead proxy, no DNS; the loopback BASE is reached directly.
// Usage: node journey.js BASE NAME
'use strict';
const path = require('path');
const puppeteer = require('puppeteer-core');

const [base, name] = process.argv.slice(2);
let bad = 0;
function ok(step) { console.log(`ok    journey: ${step}`); }
function fail(step, why) { bad++; console.log(`FAIL  journey: ${step}: ${why}`); }

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.VIGIE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--proxy-server=127.0.0.1:9', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
  });
  const shot = async (page, file) => {
    if (process.env.SHOTS) await page.screenshot({ path: path.join(process.env.SHOTS, file), fullPage: false });
  };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // A French newcomer: the site's default language, as the README shows it.
    await page.setExtraHTTPHeaders({ 'Accept-Language': 'fr-FR,fr;q=0.9' });
    const origin = new URL(base).origin;
    const foreign = [];
    page.on('request', r => { const u = r.url(); if (!u.startsWith('data:') && new URL(u).origin !== origin) foreign.push(u); });
    page.on('console', m => { if (m.type() === 'error') foreign.push('console: ' + m.text()); });
    page.on('response', r => { if (r.status() >= 400) foreign.push(`status ${r.status()}: ${r.url()}`); });

    await page.goto(base, { waitUntil: 'load', timeout: 30000 });
    await shot(page, 'home.png');
    // Typed as a person types, accents and case as given.
    await page.type('#q', name);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    const results = await page.$$eval('a[href*="/org/"]', as => as.map(a => ({ href: a.href, text: a.textContent.trim() })));
    const hit = results.find(r => r.text.toLowerCase().includes(name.toLowerCase()));
    if (!hit) {
      fail(`search "${name}"`, `no result link names it (${results.length} links to organisations)`);
      return;
    }
    ok(`search "${name}" typed in the box: ${results.length} results, first "${hit.text}"`);

    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`a[href="${new URL(hit.href).pathname}"]`)]);
    const h1 = await page.$eval('h1', e => e.textContent.trim());
    const chart = await page.$('svg.chart desc');
    const changes = await page.$('#changes');
    if (!h1.includes(hit.text) && !hit.text.includes(h1)) fail('organisation page', `heading "${h1}", want "${hit.text}"`);
    else if (!chart) fail('organisation page', 'no history chart');
    else if (!changes) fail('organisation page', 'no "since the previous campaign" section');
    else ok(`organisation page "${h1}": history chart ("${await page.$eval('svg.chart desc', e => e.textContent.trim())}") and changes since the previous campaign`);
    await shot(page, 'organisation.png');

    const report = await page.$$eval('a[href*="/audit/"]', as => as.map(a => a.getAttribute('href')));
    if (report.length === 0) {
      fail('full report', 'no link to an audit');
    } else {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`a[href="${report[0]}"]`)]);
      await shot(page, 'report.png');
      const printable = await page.$$eval('a[href$="/print"]', as => as.map(a => a.getAttribute('href')));
      if (printable.length === 0) fail('full report', `${page.url()} links to no printable version`);
      else {
        const r = await page.goto(new URL(printable[0], base).href, { waitUntil: 'load' });
        if (r.status() !== 200) fail('printable report', `status ${r.status()}`);
        else ok(`full report ${new URL(page.url()).pathname} and its printable version`);
      }
    }

    await page.goto(base, { waitUntil: 'load' });
    const campaign = await page.$$eval('a[href*="/campaign/"]', as => as.map(a => a.getAttribute('href')));
    if (campaign.length === 0) fail('campaign', 'the home page links to no campaign');
    else {
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(`a[href="${campaign[0]}"]`)]);
      ok(`campaign page ${new URL(page.url()).pathname} from the home page`);
      await shot(page, 'campaign.png');
    }

    const od = await page.goto(new URL('/opendata', base).href, { waitUntil: 'load' });
    const dcat = await page.$$eval('a', as => as.map(a => a.getAttribute('href')).filter(h => h && /catalog|dcat|\.csv|\.json/i.test(h)));
    if (od.status() !== 200) fail('open data', `status ${od.status()}`);
    else ok(`open data page: ${dcat.length} download links`);

    const domain = (hit.href.match(/\/org\/(.+)$/) || [])[1];
    const org = await (await page.goto(new URL(`/api/v1/organisations/${domain}`, base).href)).json();
    const badge = await page.goto(new URL(`/badge/${org.domains[0]}.svg`, base).href);
    const type = badge.headers()['content-type'] || '';
    if (badge.status() === 200 && type.startsWith('image/svg+xml') && (await badge.text()).includes('CyberScore')) ok(`badge of ${org.domains[0]}: SVG with its grade, to embed`);
    else fail('badge', `status ${badge.status()}, type ${type}`);

    if (foreign.length) fail('no other origin, no console error', foreign.slice(0, 3).join(', '));
    else ok('no request to another origin and no console error on the way');
  } finally {
    await browser.close();
  }
  process.exit(bad ? 1 : 0);
})().catch(e => { console.log('FAIL  journey: ' + e.message); process.exit(1); });
