// Makes sure the external programs the test suites drive for real are installed. On Debian, as
// root, missing ones are installed with apt-get; elsewhere the run stops with what to install.
import { spawnSync } from 'node:child_process';

/** Debian package for each command the tests run. */
const TOOLS = [
  ['haproxy', 'haproxy'],
  ['openssl', 'openssl'],
  ['curl', 'curl'],
  ['wrk', 'wrk'],
  // The Kubernetes API test server is checked with a real kubectl too (Debian ships it as kubernetes-client).
  ['kubectl', 'kubernetes-client'],
];

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export function ensureTools() {
  const missing = TOOLS.filter(([command]) => !has(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && has('apt-get')) {
    console.log(`installing test tools with apt-get: ${packages.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
    if (install.status === 0) return;
  }
  console.error(`the test suites need these programs: ${packages.join(', ')}`);
  console.error(`install them first, for example: sudo apt-get install -y ${packages.join(' ')}`);
  process.exit(1);
}
