// Runs a world's scenario headless, for CI: starts a controller in this process on 127.0.0.1 (a free port, a
// temporary data dir), deploys the world as real processes, plays the timeline, judges the assertions, and exits
// 0 when every one holds, 1 when one does not (each with what was measured), 2 when it could not run.
//
//   node server/dist/scenario.js <world.json> [--scenario <name>] [--assert "<assertion>"]... [--duration <s>]
//                                [--record <run.json>]
//
// --assert (repeatable) replaces the scenario's assertions, e.g. --assert "p99(a->b) < 200ms".
// --record writes the run (world, recording, traces: the file of GET /api/runs/:runId/export) to that file, passed
// or failed, so a failing check in CI leaves a run to open in the editor (Runs, Import).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Assertion, parseAssertion, type Scenario, validateWorld } from '@dw/world';
import { buildApp } from '../app.js';
import { runScenario } from './runner.js';

const USAGE =
  'usage: scenario <world.json> [--scenario <name>] [--assert "<assertion>"]... [--duration <seconds>] [--record <run.json>]';

function fail(message: string): never {
  process.stderr.write(`scenario: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        scenario: { type: 'string' },
        assert: { type: 'string', multiple: true },
        duration: { type: 'string' },
        record: { type: 'string' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();

const file = positionals[0];
if (!file || positionals.length > 1) fail('give exactly one world file');
let input: unknown;
try {
  input = JSON.parse(await readFile(file, 'utf8'));
} catch (error) {
  fail(`cannot read ${file}: ${(error as Error).message}`);
}
// A world file, or a saved record ({ id, rev, world }) from the data dir.
const raw =
  input !== null && typeof input === 'object' && 'world' in input ? (input as { world: unknown }).world : input;
const checked = validateWorld(raw);
if (!checked.ok)
  fail(`${file} is not a valid world:\n${checked.problems.map((p) => `  ${p.pointer}: ${p.message}`).join('\n')}`);
const world = checked.value;
const scenarios = world.scenarios ?? [];
let scenario: Scenario | undefined = values.scenario ? scenarios.find((s) => s.name === values.scenario) : scenarios[0];
if (values.scenario && !scenario) {
  fail(`no scenario "${values.scenario}" in ${file} (it has: ${scenarios.map((s) => s.name).join(', ') || 'none'})`);
}
if (!scenario) {
  if (!values.assert || !values.duration) fail(`${file} has no scenario: give --duration and --assert to run one`);
  scenario = { name: 'command line', durationS: 0, steps: [], assertions: [] };
}
if (values.duration !== undefined) {
  const seconds = Number(values.duration);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600)
    fail(`--duration must be 1-3600 seconds, not ${values.duration}`);
  scenario = { ...scenario, durationS: seconds };
}
let assertions: Assertion[] | undefined;
if (values.assert) {
  assertions = values.assert.map((text) => {
    const parsed = parseAssertion(text);
    if (!parsed.ok) fail(parsed.message);
    return parsed.value;
  });
}

/** Writes the world's latest run, once it ended, as the export file. */
async function writeRun(worldId: string, path: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let run = app.runs.list(worldId)[0];
  while (run && run.endedAt === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = app.runs.list(worldId)[0];
  }
  if (!run) throw new Error('no run was recorded');
  const exported = await app.inject(`/api/runs/${run.runId}/export`);
  if (exported.statusCode !== 200) throw new Error(`could not export the run: ${exported.body}`);
  await writeFile(path, exported.body);
  process.stdout.write(`run ${run.runId} (${run.frames} frames) written to ${path}\n`);
}

const dataDir = await mkdtemp(join(tmpdir(), 'dw-scenario-'));
const app = await buildApp({ dataDir, seedExample: false, logger: false });
let exitCode = 2;
const cleanup = async () => {
  await app.close().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`scenario: ${signal}, stopping the world\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const created = await app.inject({ method: 'POST', url: '/api/worlds', payload: world });
  if (created.statusCode !== 201) throw new Error(`the controller refused the world: ${created.body}`);
  const { id } = created.json() as { id: string };
  const outcome = await runScenario(app, id, scenario, {
    assertions,
    say: (line) => process.stdout.write(`${line}\n`),
  });
  for (const result of outcome.results)
    process.stdout.write(`${result.ok ? 'PASS' : 'FAIL'}  ${result.text}: ${result.message}\n`);
  for (const error of outcome.stepErrors) process.stdout.write(`FAIL  ${error}\n`);
  const failed = outcome.results.filter((r) => !r.ok).length + outcome.stepErrors.length;
  process.stdout.write(
    failed === 0
      ? `scenario "${scenario.name}" passed: ${outcome.results.length} assertion(s) held\n`
      : `scenario "${scenario.name}" failed: ${failed} of ${outcome.results.length + outcome.stepErrors.length} check(s) did not hold\n`,
  );
  exitCode = failed === 0 ? 0 : 1;
  if (values.record) await writeRun(id, values.record);
} catch (error) {
  process.stderr.write(`scenario: could not run: ${(error as Error).message}\n`);
  exitCode = 2;
} finally {
  await cleanup();
}
process.exit(exitCode);
