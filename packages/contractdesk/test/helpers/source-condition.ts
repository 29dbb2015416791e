/**
 * Mocha runs with `--conditions=contractdesk-source` (.mocharc.yml `node-option`), so `contractdesk` and its
 * subpaths resolve to the library's TypeScript sources. Processes the tests start (the app's main.ts, workers,
 * CLIs under ts-node) inherit the environment, not the flags: the condition goes into NODE_OPTIONS for them.
 * Plain JavaScript, no imports: it runs before ts-node is registered.
 */
const condition = '--conditions=contractdesk-source';
const current = process.env.NODE_OPTIONS ?? '';
if (!current.split(/\s+/).includes(condition)) process.env.NODE_OPTIONS = `${current} ${condition}`.trim();
