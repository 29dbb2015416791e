import 'reflect-metadata';
import { describeBackend, resolveBackend } from './src/config/backend';
import { createConfig } from './src/config/orm-config';

// The CLI reads this file (package.json "mikro-orm.configPaths"); the app and tests use initOrm(),
// which builds the same options from the same environment.
process.stderr.write(`[contractdesk] ${describeBackend(resolveBackend(process.env))}\n`);

export default createConfig(process.env);
