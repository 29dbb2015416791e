import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { OPENAPI_JSON_PATH, SWAGGER_UI_PATH } from '../../src/openapi';
import { chromiumPath, isLoopbackUrl, sharedBrowser } from '../../../../packages/contractdesk/test/helpers/browser';
import { describeEachDialect } from '../../../../packages/contractdesk/test/helpers/orm';
import { recordSkippedBrowser } from '../../../../packages/contractdesk/test/helpers/root-hooks';
import { type RunningApp, startApp } from './http';

const TITLE = 'Swagger UI at /docs in chromium';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Swagger UI as a person uses it: Debian's chromium (headless, through playwright-core) opens /docs on the real
 * app, reads the routes from the rendered page and runs "Try it out" on GET /health. Everything the page asks
 * for must come from our loopback server: other requests are aborted and fail the suite, as do console errors
 * and Content-Security-Policy violations (helmet's policy applies to /docs as to every answer).
 */
describeEachDialect(
  TITLE,
  (db) => {
    describe('one page, opened once', function () {
      this.timeout(60_000);
      let app: RunningApp | undefined;
      let context: BrowserContext | undefined;
      let page: Page;
      const offLoopback: string[] = [];
      const consoleErrors: string[] = [];

      before(async function () {
        const executablePath = chromiumPath();
        if (!executablePath) {
          const why = `no executable chromium at ${process.env.CHROMIUM_PATH || '/usr/bin/chromium'}`;
          if (process.env.CI === 'true') throw new Error(`chromium is required under CI=true: ${why}`);
          recordSkippedBrowser(TITLE, why);
          this.skip();
        }
        const browser = await sharedBrowser(executablePath);
        app = await startApp(db.env);
        context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (isLoopbackUrl(url)) return route.continue();
          offLoopback.push(url);
          return route.abort('blockedbyclient');
        });
        // Chromium logs most CSP refusals to the console; the DOM event reports every one, whatever gets logged.
        await context.addInitScript({
          content: `document.addEventListener('securitypolicyviolation', (e) =>
            console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)')));`,
        });
        page = await context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
        const response = await page.goto(app.url + SWAGGER_UI_PATH);
        expect(response?.status(), 'GET /docs').to.equal(200);
        // A page that never renders is usually a blocked script: say what the console said.
        await page
          .locator('.swagger-ui .information-container .title')
          .waitFor({ timeout: 20_000 })
          .catch((error: Error) => {
            throw new Error(`Swagger UI did not render (${error.message.split('\n')[0]}); console errors: ${JSON.stringify(consoleErrors)}`);
          });
      });

      after(async () => {
        await context?.close();
        await app?.close();
      });

      const operation = (method: string, path: string): Locator =>
        page.locator(`.opblock.opblock-${method.toLowerCase()}`, { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

      it('renders the generated document: the title and OpenAPI 3.1', async () => {
        expect(await page.title()).to.equal('ContractDesk API');
        expect(await page.locator('.information-container .title').innerText()).to.match(/^ContractDesk\b/);
        expect((await page.locator('.information-container .version-stamp').innerText()).trim()).to.equal('OAS 3.1');
      });

      it('lists every operation of /openapi.json, the contract routes among them', async () => {
        const document = (await app!.request('GET', OPENAPI_JSON_PATH)).body as { paths: Record<string, Record<string, unknown>> };
        const declared = Object.entries(document.paths)
          .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.has(key)).map((method) => `${method.toUpperCase()} ${path}`))
          .sort();
        const rendered: string[] = [];
        for (const block of await page.locator('.opblock').all()) {
          const method = (await block.locator('.opblock-summary-method').innerText()).trim();
          rendered.push(`${method} ${await block.locator('.opblock-summary-path').getAttribute('data-path')}`);
        }
        expect(rendered.sort()).to.deep.equal(declared);
        expect(rendered).to.include.members([
          'POST /contracts',
          'GET /contracts',
          'GET /contracts/{id}',
          'POST /contracts/{id}/transitions',
          'PUT /contracts/{id}/amount',
          'PUT /contracts/{id}/title',
          'POST /contracts/amount-revisions',
        ]);
      });

      it('"Try it out" → "Execute" of GET /health shows 200 in the response panel', async () => {
        const health = operation('GET', '/health');
        await health.locator('.opblock-summary').click();
        await health.locator('button.try-out__btn').click();
        await health.locator('button.execute').click();
        const status = health.locator('.live-responses-table .response .response-col_status');
        await status.waitFor({ timeout: 20_000 });
        expect((await status.innerText()).trim()).to.equal('200');
        expect(await health.locator('.live-responses-table .response .response-col_description').innerText()).to.contain('"ok"');
      });

      it('stays on loopback, with no console errors or CSP violations; a screenshot for the record', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'contractdesk-swagger-ui-'));
        const file = join(dir, `docs-${db.variant}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`      [${db.variant}] screenshot: ${file}`);
        expect(offLoopback, 'requests the page made off loopback (aborted)').to.deep.equal([]);
        expect(consoleErrors, 'console errors').to.deep.equal([]);
      });
    });
  },
  // The app on a migrated database, as `npm start` serves it; nothing here writes, so nothing to clear, and the
  // page never reaches the database through a pooler (/docs and /health make no query).
  { sqliteFile: true, clearBeforeEach: false, pooler: false },
);
