import { expect } from 'chai';
import * as viaPackage from 'contractdesk';
import { User } from '../../../../packages/contractdesk/src/entities/user.entity';

/**
 * The app imports `contractdesk`; the library's tests and helpers import its sources by path. Under mocha the
 * "contractdesk-source" export condition makes both the same files: one set of entity classes per process
 * (two copies would break MikroORM's metadata lookups and every instanceof).
 */
describe('one copy of the library in a test process', () => {
  it("the package name resolves to the sources the library's tests import", () => {
    expect(viaPackage.User).to.equal(User);
    expect(Object.keys(require.cache).filter((file) => /packages[\\/]contractdesk[\\/]dist[\\/]/.test(file))).to.deep.equal([]);
  });
});
