// Who this server says it is. Clients and tools gate features on redis_version, so Strata reports the
// Redis version whose behaviour it implements, and its own version separately.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export const serverInfo = {
  redisVersion: '7.0.15',
  strataVersion: packageVersion(),
  runId: randomBytes(20).toString('hex'),
  configFile: '',
  executable: '',
  /** Set when SHUTDOWN is requested; the binary owns the actual exit. */
  shutdown: null as null | ((opts: { save: boolean | null; now: boolean; force: boolean }) => boolean),
  tcpPort: 6379,
};
