// The console in a real browser: Debian's chromium driven by the playwright-core pinned in
// web/package-lock.json, against a real `berth serve` whose replicas are engine-sim processes.
// One browser, one berth, one walk through what a person does: a bad key, sign in, create
// (a field error, then a deployment that reaches RUNNING), scale, chat streamed token by token,
// a 429, the usage chart and the bill with its CSV, a new API key, delete, sign out.
// Screenshots of each page go to $BERTH_WEB_ARTIFACTS (default build/web-artifacts).
//
// Environment: BERTH_BINARY (default build/berth), BERTH_CONSOLE_DIR (default build/console),
// BERTH_CHROMIUM (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const playwrightVersion = require('playwright-core/package.json').version;

const berthBinary = resolve(process.env.BERTH_BINARY || join(root, 'build', 'berth'));
const consoleDir = resolve(process.env.BERTH_CONSOLE_DIR || join(root, 'build', 'console'));
const artifacts = resolve(process.env.BERTH_WEB_ARTIFACTS || join(root, 'build', 'web-artifacts'));
const chromiumPath = process.env.BERTH_CHROMIUM || '/usr/bin/chromium';
const KEY = 'sk-web-console-test-admin-0001';

let berth;
let dataDir;
let base;
let context;
let page;
let shot = 0;

// Engines stream visibly: the first token after 150 ms, then one every 40 ms; each engine is
// "loading" for 1.5 s so PENDING and UPDATING last long enough to be seen.
function writeEnginesConfig(dir) {
  const file = join(dir, 'engines.json');
  const command = [berthBinary, 'engine-sim', '--port', '{port}', '--served-model-name', '{served_model_name}',
    '--startup-ms', '1500', '--ttft-ms', '150', '--itl-ms', '40'];
  writeFileSync(file, JSON.stringify({ engines: { '*': { command } } }));
  return file;
}

function startBerth() {
  dataDir = mkdtempSync(join(tmpdir(), 'berth-web-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dataDir, 'data'), '--api-key', KEY,
    '--console-dir', consoleDir, '--engines', writeEnginesConfig(dataDir), '--shutdown-grace', '1s'];
  berth = spawn(berthBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  berth.stderr.on('data', (d) => process.stderr.write(`[berth] ${d}`));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error('berth did not start within 20 s')), 20000);
    let out = '';
    berth.stdout.on('data', (d) => {
      out += d;
      const m = /berth listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && !base) {
        base = m[1];
        clearTimeout(timer);
        resolveStart();
      }
    });
    berth.on('exit', (code) => reject(new Error(`berth exited with ${code}`)));
  });
}

// Engines outlive berth by design: stop the ones its state file records, by process group.
function killEngines() {
  try {
    const state = JSON.parse(readFileSync(join(dataDir, 'data', 'replicas', 'state.json'), 'utf8'));
    for (const r of state.replicas ?? []) {
      try {
        if (r.pgid > 1 && readFileSync(`/proc/${r.pgid}/cmdline`, 'utf8').split('\0')[0] === r.command[0]) {
          process.kill(-r.pgid, 'SIGKILL');
        }
      } catch {
        // gone already
      }
    }
  } catch {
    // no state file: no engines
  }
}

async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const text = (selector) => page.locator(selector).first().innerText();

before(async () => {
  assert.ok(existsSync(berthBinary), `no berth binary at ${berthBinary}`);
  assert.ok(existsSync(join(consoleDir, 'index.html')), `the console is not built in ${consoleDir} (scripts/build-console.sh)`);
  assert.ok(existsSync(chromiumPath), `no chromium at ${chromiumPath} (apt-get install chromium; scripts/deps.sh)`);
  mkdirSync(artifacts, { recursive: true });
  await startBerth();
  context = await chromium.launchPersistentContext(join(dataDir, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 800 },
    acceptDownloads: true,
  });
  const chromiumVersion = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`playwright-core ${playwrightVersion}; ${chromiumVersion}; berth at ${base}`);
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (berth && berth.exitCode === null) {
    berth.kill('SIGTERM');
    await new Promise((r) => { const t = setTimeout(() => { berth.kill('SIGKILL'); r(); }, 5000); berth.on('exit', () => { clearTimeout(t); r(); }); });
  }
  if (dataDir) {
    killEngines();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the console, end to end', async (t) => {
  let id;

  await t.test('a bad key is refused with its code and request id', async () => {
    await page.goto(base + '/');
    await page.locator('#key').fill('sk-not-a-key');
    await page.locator('button[type=submit]').click();
    const error = await text('.error');
    assert.match(error, /401 InvalidApiKey/);
    assert.match(error, /request [0-9a-f-]{8,}/);
    await screenshot('bad-key');
  });

  await t.test('sign in with the admin key', async () => {
    await page.locator('#key').fill(KEY);
    await page.locator('button[type=submit]').click();
    await page.locator('h2', { hasText: 'Deployments' }).waitFor();
    assert.match(await text('header'), /Admin/);
    await screenshot('deployments-empty');
  });

  await t.test('create: the server error beside its field, the live estimate, then RUNNING', async () => {
    await page.locator('a', { hasText: 'Create deployment' }).click();
    await page.locator('#model').selectOption('qwen3-8b');
    await page.locator('#capacity').fill('3');
    assert.match(await text('#capacity + .muted + .field-error, .field.invalid .field-error'), /multiple of 2/);
    assert.equal(await text('#estimate'), '—'); // no price for a capacity the rules refuse
    await page.locator('button', { hasText: /^Create$/ }).click();
    await page.locator('#capacity-error', { hasText: 'InvalidParameter' }).waitFor();
    assert.match(await text('#capacity-error'), /Invalid capacity \(3\).*request /);
    await screenshot('create-field-error');
    await page.locator('#capacity').fill('2');
    assert.match(await text('#estimate'), /^\$\d+\.\d\d$/);
    await page.locator('button', { hasText: /^Create$/ }).click();
    await page.waitForURL(/#\/d\//);
    id = decodeURIComponent(page.url().split('#/d/')[1]);
    assert.match(id, /^qwen3-8b-[0-9a-f]{8}$/);
    await page.locator('h2 .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 30000 });
    assert.match(await text('dl.overview'), /2\/2/);
    await screenshot('deployment-running');
  });

  await t.test("a replica's engine log, shown on its toggle", async () => {
    await page.locator('button', { hasText: /^Log$/ }).first().click();
    await page.locator('pre.replica-log', { hasText: 'engine-sim listening on 127.0.0.1:' }).waitFor();
    await screenshot('replica-log');
    await page.locator('button', { hasText: /^Hide log$/ }).click();
    assert.equal(await page.locator('pre.replica-log').count(), 0);
  });

  await t.test('the list follows the deployment live', async () => {
    await page.locator('nav a', { hasText: 'Deployments' }).click();
    const row = page.locator(`tr[data-deployment="${id}"]`);
    // The hourly estimate needs the catalog, which may answer after the list (a slow server).
    await row.filter({ hasText: /\$/ }).waitFor();
    assert.match(await row.innerText(), /RUNNING[\s\S]*2\/2[\s\S]*mu · MU1[\s\S]*\$/);
    await screenshot('deployments');
    await row.locator('a').click();
  });

  await t.test('scale: UPDATING with a partly filled bar, then RUNNING 4/4', async () => {
    await page.locator('#scale-capacity').fill('4');
    await page.locator('button', { hasText: /^Scale$/ }).click();
    await page.locator('h2 .badge', { hasText: 'UPDATING' }).waitFor();
    await screenshot('scaling');
    await page.locator('h2 .badge', { hasText: 'RUNNING' }).waitFor({ timeout: 30000 });
    await page.locator('dl.overview', { hasText: '4/4' }).waitFor();
    await page.locator('#rpm').fill('1');
    await page.locator('button', { hasText: 'Update limits' }).click();
    await page.locator('dl.overview', { hasText: 'rpm 1,' }).waitFor();
  });

  await t.test('playground: the answer streams token by token; the next call is a 429', async () => {
    await page.locator('a', { hasText: 'Open in playground' }).click();
    await page.locator('#pg-max').fill('30');
    await page.locator('#pg-input').fill('hello there');
    await page.locator('button', { hasText: /^Send$/ }).click();
    const answer = page.locator('ol.chat li.assistant .content').last();
    const lengths = new Set();
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && (await page.locator('ol.chat li.assistant .stats').count()) === 0) {
      lengths.add((await answer.innerText()).length);
      await page.waitForTimeout(25);
    }
    const stats = await text('ol.chat li.assistant .stats');
    assert.match(stats, /TTFT \d+ ms · [\d.]+ tokens\/s · usage: \d+ in, 30 out/);
    assert.ok([...lengths].filter((n) => n > 0).length >= 3, `saw the answer grow only through ${[...lengths]}`);
    await screenshot('playground');
    await page.locator('#pg-input').fill('again');
    await page.locator('button', { hasText: /^Send$/ }).click();
    const error = await page.locator('.error', { hasText: '429' }).innerText();
    assert.match(error, /429 Throttling\.RateQuota: Requests rate limit exceeded/);
    await screenshot('playground-429');
  });

  await t.test('usage chart and cost on the deployment page', async () => {
    await page.goto(`${base}/#/d/${encodeURIComponent(id)}`);
    // usage and the bill load separately: wait for both
    await page.locator('#cost-so-far', { hasText: /Cost so far this month: \$\d[\s\S]* \d+ requests? / }).waitFor();
    assert.equal(await page.locator('.chart canvas').count(), 1);
    await page.locator('ol.timeline li', { hasText: 'Scaled' }).waitFor();
    await screenshot('deployment-usage');
  });

  await t.test('billing: totals, chart and the CSV the API returned', async () => {
    await page.locator('nav a', { hasText: 'Usage & billing' }).click();
    await page.locator('#bill-total', { hasText: '$' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();  // drawn once its usage has loaded
    assert.equal(await page.locator('.chart canvas').count(), 1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^deployed_model,plan,hour,item,quantity,unit,unit_price,amount,priced,charge_type,billing_method\r\n/);
    assert.match(csv, new RegExp(`\\r\\n${id},mu,`));
    await screenshot('billing');
  });

  await t.test('admin: a new key is shown once', async () => {
    await page.locator('nav a', { hasText: 'Admin' }).click();
    await page.locator('button', { hasText: 'Create key' }).click();
    assert.match(await text('#new-secret'), /^sk-/);
    await screenshot('admin');
  });

  await t.test('delete asks, naming the deployment, then it is gone', async () => {
    await page.goto(`${base}/#/d/${encodeURIComponent(id)}`);
    await page.locator('button', { hasText: /^Delete$/ }).click();
    assert.match(await text('.modal'), new RegExp(`Delete ${id}\\?`));
    await screenshot('delete-confirm');
    await page.locator('.modal button', { hasText: `Delete ${id}` }).click();
    await page.locator('.notice', { hasText: 'no longer exists' }).waitFor({ timeout: 30000 });
    await page.locator('ol.timeline li', { hasText: 'Deleted' }).waitFor();
    await screenshot('deleted');
  });

  await t.test('sign out forgets the key', async () => {
    await page.locator('button', { hasText: 'Sign out' }).click();
    await page.locator('#key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('berth.key')), null);
  });
});
