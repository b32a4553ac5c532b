// `npm run test:postgres`: runs a command (the relay suites) with a throwaway PostgreSQL cluster for the whole run,
// named to the tests by RCD_TEST_PG (test/helpers/relay-store.ts gives each relay a new database on it), and stops
// and deletes the cluster afterwards, whatever the command did. Exits with the command's status.
import { spawn } from 'node:child_process';
import { startPgCluster } from '../test/helpers/postgres.js';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: with-postgres COMMAND [ARGS...]\n');
  process.exit(2);
}
const cluster = startPgCluster();
process.stdout.write(`with-postgres: a throwaway cluster in ${cluster.dir}\n`);
const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, RCD_TEST_PG: cluster.url() } });
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  cluster.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
