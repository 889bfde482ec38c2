// `node server/dist/enroll.js` with DW_ENROLL: a Kubernetes init container's first leaf (./enroll.ts).
// Exit 0 once the identity files are written; 2 for a bad config; 1 when refused or the issuer never answered.
import { ENROLL_CONFIG_ENV, EnrollConfig } from '@dw/world';
import Value from 'typebox/value';
import { enroll } from './enroll.js';

const log = (message: string) => process.stdout.write(`[dw:enroll] ${message}\n`);

function readConfig(): EnrollConfig {
  const raw = process.env[ENROLL_CONFIG_ENV];
  let value: unknown;
  try {
    value = JSON.parse(raw ?? '');
  } catch {
    process.stderr.write(`[dw:enroll] ${ENROLL_CONFIG_ENV} must hold the JSON of an EnrollConfig\n`);
    process.exit(2);
  }
  if (!Value.Check(EnrollConfig, value)) {
    const problems = [...Value.Errors(EnrollConfig, value)].map((e) => `  ${e.instancePath || '/'}: ${e.message}`);
    process.stderr.write(`[dw:enroll] invalid ${ENROLL_CONFIG_ENV}:\n${problems.join('\n')}\n`);
    process.exit(2);
  }
  return value;
}

const config = readConfig();
enroll(config, log).then(
  ({ serial, validTo }) => {
    log(`enrolled ${config.serviceId}: serial ${serial}, valid until ${validTo}`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`[dw:enroll] ${config.serviceId}: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
