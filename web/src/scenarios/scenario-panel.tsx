// The world's scenarios (saved with it, like every other edit: autosave and undo): name, length, a timeline of
// faults on links and services, and the checks that decide whether the run passed. Validation is the server's
// (validateWorld on the draft); each message sits under the step or check it is about. A scenario plays on the
// controller, on the saved world (Play saves pending edits first) and acts on the diagram; what Play will do to
// what runs is said beside it before it is pressed, and a disabled Play says why. The run's lines and verdict
// show under the scenario that plays, scrolled into view when it starts and when it ends.
import type { Scenario } from '@dw/world';
import { useEffect, useRef } from 'react';
import { request, worldPath } from '../api/http-client';
import { NumberField, TextField } from '../inspector/fields';
import type { ScenarioRun } from '../live/traffic-store';
import { useEditor, useEditorActions, useStores, useTraffic } from '../store/editor-context';
import { type EditorState, selectBehindDeployed, selectDirty, selectDraftWorld } from '../store/editor-store';
import { AssertionRow } from './assertion-row';
import { messagesUnder } from './messages';
import { newAssertion, newScenario, newStep, removeItem, replaceItem } from './scenario-edits';
import { StepRow } from './step-row';

const NONE: Scenario[] = [];

/** Why Play cannot be pressed now, or null when it can. */
function playBlocked(state: EditorState, invalid: boolean, playing: boolean): string | null {
  if (playing) return 'A scenario is playing: wait for its verdict.';
  if (state.replay !== null) return 'A recorded run is shown: go back to live to play.';
  if (invalid) return 'Fix the problems of this scenario to play it.';
  if (state.problems.list.length > 0) return 'Fix the problems of the world (listed above) to play it.';
  // a save in flight does not block: Play waits for it, then saves what is left
  if (state.busy !== null && state.busy !== 'saving') return `Wait until ${state.busy} is done.`;
  return null;
}

/** What Play is about to do to what runs, said before it is pressed. */
function playNote(state: EditorState, durationS: number): string {
  const saves = selectDirty(state) ? 'saves your edits, then ' : '';
  const length = Number.isFinite(durationS) ? `${durationS} s` : 'its length';
  if (state.deployedRev === null) {
    return `Play ${saves}deploys the world (nothing runs now), then runs this timeline for ${length}. The world keeps running afterwards, its faults removed.`;
  }
  if (selectBehindDeployed(state)) {
    return `Play ${saves}deploys the drawing first: it differs from what runs now (rev ${state.deployedRev}), so what changed starts, restarts or stops. Then it runs this timeline for ${length}.`;
  }
  return `Play ${saves}runs this timeline on what runs now (rev ${state.deployedRev}) for ${length}; nothing restarts.`;
}

/** A run's lines, and once it ends its verdict; scrolled into view when it starts and when it ends. */
function RunView({ run }: { run: ScenarioRun }) {
  const box = useRef<HTMLDivElement>(null);
  const verdict = useRef<HTMLDivElement>(null);
  const key = `${run.name}|${run.done}`;
  useEffect(() => {
    const target = key.endsWith('|true') ? verdict.current : box.current;
    target?.scrollIntoView({ block: 'nearest' });
  }, [key]);
  const held = run.results?.filter((r) => r.ok).length ?? 0;
  const checks = run.results?.length ?? 0;
  return (
    <div
      ref={box}
      className={`dw-scenario-run${run.done ? (run.passed ? ' dw-scenario-run--passed' : ' dw-scenario-run--failed') : ''}`}
      data-testid="scenario-run"
      data-done={run.done}
      data-passed={run.passed === undefined ? '' : String(run.passed)}
      aria-live="polite"
    >
      <pre className="dw-detail">{run.lines.join('\n')}</pre>
      {run.done && (
        <div ref={verdict} className="dw-scenario-run__verdict" data-testid="scenario-verdict">
          <strong>{run.passed ? 'Passed' : 'Failed'}</strong>
          {checks > 0 && (
            <span className="dw-muted">
              {' '}
              · {held} of {checks} check{checks === 1 ? '' : 's'} held
            </span>
          )}
          {run.results?.map((r) => (
            <p key={r.text + r.message} className={r.ok ? 'dw-muted' : 'dw-field__message'}>
              {r.ok ? 'PASS' : 'FAIL'} {r.message}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

function ScenarioEditor({ index }: { index: number }) {
  const scenarios = useEditor((s) => s.scenarios ?? NONE);
  const scenario = scenarios[index];
  const world = useEditor(selectDraftWorld);
  const problems = useEditor((s) => s.problems.world);
  const worldId = useEditor((s) => s.worldId);
  const run = useTraffic((s) => s.scenarioRun);
  const actions = useEditorActions();
  const { editor } = useStores();
  const at = `scenarios/${index}`;
  const invalid = Object.keys(problems).some((key) => key === at || key.startsWith(`${at}/`));
  const playing = run !== null && !run.done;
  const blocked = useEditor((s) => playBlocked(s, invalid, playing));
  const note = useEditor((s) => playNote(s, scenario?.durationS ?? Number.NaN));
  if (!scenario) return null;
  const update = (next: Scenario) => actions.setScenarios(replaceItem(scenarios, index, next));
  const play = async () => {
    if (!worldId) return;
    // a scenario plays the saved world: what is drawn is saved first (as Deploy does)
    if (selectDirty(editor.getState()) && !(await actions.save())) return;
    try {
      await request('POST', `${worldPath(worldId)}/scenario-runs`, { name: scenario.name });
    } catch (error) {
      actions.pushToast({
        tone: 'error',
        title: `Could not play "${scenario.name}"`,
        message: (error as Error).message,
        ttlMs: 8000,
      });
    }
  };
  return (
    <div className="dw-scenario" data-testid={`scenario-${index}`}>
      <div className="dw-field-row">
        <TextField
          label="Scenario"
          value={scenario.name}
          message={problems[`${at}/name`]}
          onChange={(name) => update({ ...scenario, name })}
        />
        <NumberField
          label="Runs for"
          unit="s"
          value={scenario.durationS}
          message={problems[`${at}/durationS`]}
          onChange={(durationS) => update({ ...scenario, durationS: durationS ?? Number.NaN })}
        />
      </div>

      <h4 className="dw-scenario__subtitle">Timeline</h4>
      {scenario.steps.length === 0 && <p className="dw-muted">No step: the world runs untouched.</p>}
      <ol className="dw-scenario__list">
        {scenario.steps.map((step, i) => (
          <StepRow
            // biome-ignore lint/suspicious/noArrayIndexKey: steps have no id; their place is their identity
            key={i}
            step={step}
            index={i}
            count={scenario.steps.length}
            world={world}
            messages={messagesUnder(problems, `${at}/steps/${i}`)}
            onChange={(steps) => update({ ...scenario, steps: steps(scenario.steps) })}
          />
        ))}
      </ol>
      <button
        type="button"
        className="dw-button dw-button--small"
        disabled={scenario.steps.length >= 200}
        onClick={() => update({ ...scenario, steps: [...scenario.steps, newStep(scenario, world)] })}
      >
        + Add step
      </button>

      <h4 className="dw-scenario__subtitle">Passes if, over the whole run</h4>
      {scenario.assertions.length === 0 && <p className="dw-muted">No check: the run always passes.</p>}
      <ul className="dw-scenario__list">
        {scenario.assertions.map((text, i) => (
          <AssertionRow
            // biome-ignore lint/suspicious/noArrayIndexKey: assertions are plain texts, possibly equal
            key={i}
            text={text}
            index={i}
            world={world}
            message={messagesUnder(problems, `${at}/assertions/${i}`).join('; ')}
            onChange={(next) =>
              update({
                ...scenario,
                assertions:
                  next === null ? removeItem(scenario.assertions, i) : replaceItem(scenario.assertions, i, next),
              })
            }
          />
        ))}
      </ul>
      <button
        type="button"
        className="dw-button dw-button--small"
        disabled={scenario.assertions.length >= 50}
        onClick={() => update({ ...scenario, assertions: [...scenario.assertions, newAssertion(world)] })}
      >
        + Add check
      </button>
      {messagesUnder(problems, at, true).map((message) => (
        <p key={message} className="dw-field__message">
          {message}
        </p>
      ))}

      <div className="dw-scenario__actions">
        <button
          type="button"
          className="dw-button dw-button--primary dw-button--small"
          disabled={blocked !== null || !worldId}
          aria-describedby={`dw-play-why-${index}`}
          onClick={() => void play()}
        >
          ▶ Play {scenario.name}
        </button>
        <button
          type="button"
          className="dw-button dw-button--danger dw-button--small"
          onClick={() => actions.setScenarios(removeItem(scenarios, index))}
        >
          Remove
        </button>
      </div>
      <p
        id={`dw-play-why-${index}`}
        className={blocked ? 'dw-scenario__why dw-scenario__why--blocked' : 'dw-scenario__why'}
        data-testid={`play-note-${index}`}
      >
        {blocked ?? note}
      </p>
      {run && run.name === scenario.name && <RunView run={run} />}
    </div>
  );
}

export function ScenarioPanel() {
  const count = useEditor((s) => s.scenarios?.length ?? 0);
  const scenarios = useEditor((s) => s.scenarios ?? NONE);
  const worldId = useEditor((s) => s.worldId);
  const observing = useEditor((s) => s.observing !== null);
  const run = useTraffic((s) => s.scenarioRun);
  const actions = useEditorActions();
  if (!worldId || observing) return null;
  return (
    <section className="dw-inspector__section" aria-label="Scenarios">
      <div className="dw-scenario__head">
        <h3 className="dw-section-title">Scenarios</h3>
        <button
          type="button"
          className="dw-button dw-button--small"
          disabled={count >= 50}
          onClick={() => actions.setScenarios([...scenarios, newScenario(scenarios)])}
        >
          + Add scenario
        </button>
      </div>
      {count === 0 && (
        <p className="dw-muted">
          Break it on purpose: a timeline of faults (latency, aborts, partitions, kills) and the checks that decide
          whether the world held up.
        </p>
      )}
      {Array.from({ length: count }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a scenario's place is its identity while its name is edited
        <ScenarioEditor key={i} index={i} />
      ))}
      {/* a run of a scenario no longer named so (renamed, removed) still shows its lines */}
      {run && !scenarios.some((sc) => sc.name === run.name) && <RunView run={run} />}
    </section>
  );
}
