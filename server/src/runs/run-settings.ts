// The run settings of main.ts, from the environment: DW_RUNS=0 records no run; DW_RUN_MAX_MB, DW_RUNS_MAX_MB and
// DW_RUNS_MAX bound one run, every run together and how many are kept; DW_RUN_IMPORT_MAX_MB the file an import
// takes. Unset means the default (run-store.ts, run-routes.ts); a value that is not a whole number >= 1 throws
// an error naming the variable.
import type { RunLimits } from './run-store.js';

const MB = 1024 * 1024;

export function runSettingsFromEnv(env: NodeJS.ProcessEnv): {
  record: boolean;
  limits: Partial<RunLimits>;
  importLimit?: number;
} {
  const whole = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a whole number, 1 or more, not ${JSON.stringify(text)}`);
    return value;
  };
  const record = env.DW_RUNS !== '0';
  const limits: Partial<RunLimits> = {};
  const runMb = whole('DW_RUN_MAX_MB');
  const totalMb = whole('DW_RUNS_MAX_MB');
  const count = whole('DW_RUNS_MAX');
  const importMb = whole('DW_RUN_IMPORT_MAX_MB');
  if (runMb !== undefined) limits.maxRunBytes = runMb * MB;
  if (totalMb !== undefined) limits.maxTotalBytes = totalMb * MB;
  if (count !== undefined) limits.maxRuns = count;
  return { record, limits, ...(importMb === undefined ? {} : { importLimit: importMb * MB }) };
}
