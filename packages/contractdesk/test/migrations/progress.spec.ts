import { expect } from 'chai';
import { Progress, formatSeconds } from '../../src/tools/progress';

describe('db:copy progress output', () => {
  const clock = (times: number[]) => () => times.shift() ?? 10_000;

  it('redraws one bar in place on a TTY with rows, rate and ETA', () => {
    const out: string[] = [];
    // started at 0, then one clock reading per advance
    const progress = new Progress(4000, { isTTY: true, columns: 120, write: (s) => out.push(s) }, clock([0, 1000, 2000]));
    progress.advance('users', 1000);
    progress.advance('contracts', 1000);
    progress.finish();
    expect(out[0]).to.match(/^\r\[#+\.+\] 1000\/4000 rows \(25%\), 1000 rows\/s, ETA 3s, table users\x1b\[K$/);
    expect(out[1]).to.match(/^\r\[#+\.+\] 2000\/4000 rows \(50%\), 1000 rows\/s, ETA 2s, table contracts\x1b\[K$/);
    expect(out.at(-1)).to.equal('\n');
    expect(out.join('')).not.to.match(/progress:/);
  });

  it('writes plain lines when not a TTY', () => {
    const out: string[] = [];
    const progress = new Progress(10, { isTTY: false, write: (s) => out.push(s) }, clock([0, 500, 1000]));
    progress.advance('roles', 5);
    progress.advance('roles', 5);
    expect(out).to.deep.equal([
      'progress: 5/10 rows (50%), 10 rows/s, ETA 1s, table roles\n',
      'progress: 10/10 rows (100%), 10 rows/s, ETA 0s, table roles\n',
    ]);
  });

  it('formats ETAs for humans', () => {
    expect([formatSeconds(0.2), formatSeconds(59), formatSeconds(61), formatSeconds(3725)]).to.deep.equal(['1s', '59s', '1m01s', '1h02m']);
  });
});
