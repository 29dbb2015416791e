import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { workspaceRoot as projectRoot } from '../../apps/server/src/paths';

/**
 * Every TypeScript snippet in the README and docs/ names, on its first line, the file it is taken from
 * (`// examples/host-app/src/quickstart.ts`), and its lines appear there as printed. Those files are compiled
 * and run in CI (scripts/example-host.sh, scripts/third-party-host.sh), so a snippet cannot drift from code that works.
 */
const documents = ['README.md', ...readdirSync(join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const normalise = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');

describe('docs: code snippets are excerpts of files that CI runs', () => {
  for (const document of documents) {
    const text = readFileSync(join(projectRoot, document), 'utf8');
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    for (const [i, block] of blocks.entries()) {
      it(`${document}, TypeScript snippet ${i + 1}`, () => {
        const [first, ...rest] = block.split('\n');
        const source = /^\/\/ ((?:examples|fixtures|src|test|scripts|bench)\/\S+\.ts)$/.exec(first.trim())?.[1];
        expect(source, `the snippet's first line must name its source file: "${first}"`).to.be.a('string');
        const file = normalise(readFileSync(join(projectRoot, source!), 'utf8'));
        const body = normalise(rest.join('\n')).trim();
        for (const part of body.split(/\n\s*\/\/ …\n/)) expect(file, `${source} does not contain:\n${part}`).to.contain(part.trim());
      });
    }
  }
});
