// The world's scenarios (saved with it, like every other edit: autosave and undo): name, length, a timeline of
// faults on links and services, and the checks that decide whether the run passed. Validation is the server's
// (validateWorld on the draft); each message sits under the step or check it is about. A saved scenario plays
// on the controller and acts on the diagram; its timeline and the verdict of its assertions show below.
import type { Scenario } from '@dw/world';
import { request, worldPath } from '../api/http-client';
import { NumberField, TextField } from '../inspector/fields';
import { useEditor, useEditorActions, useTraffic } from '../store/editor-context';
import { selectDraftWorld } from '../store/editor-store';
import { AssertionRow } from './assertion-row';
import { messagesUnder } from './messages';
import { newAssertion, newScenario, newStep, removeItem, replaceItem } from './scenario-edits';
import { StepRow } from './step-row';

const NONE: Scenario[] = [];

function ScenarioEditor({ index }: { index: number }) {
  const scenarios = useEditor((s) => s.scenarios ?? NONE);
  const scenario = scenarios[index];
  const world = useEditor(selectDraftWorld);
  const problems = useEditor((s) => s.problems.world);
  const dirty = useEditor((s) => s.changeSeq !== s.savedSeq);
  const worldId = useEditor((s) => s.worldId);
  const run = useTraffic((s) => s.scenarioRun);
  const actions = useEditorActions();
  if (!scenario) return null;
  const at = `scenarios/${index}`;
  const update = (next: Scenario) => actions.setScenarios(replaceItem(scenarios, index, next));
  const invalid = Object.keys(problems).some((key) => key === at || key.startsWith(`${at}/`));
  const playing = run !== null && !run.done;
  const play = async () => {
    if (!worldId) return;
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
          disabled={playing || dirty || invalid || !worldId}
          title={
            invalid
              ? 'Fix the problems of this scenario first'
              : dirty
                ? 'Saving… a scenario plays the saved world'
                : undefined
          }
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
      {run && (
        <div
          className={`dw-scenario-run${run.done ? (run.passed ? ' dw-scenario-run--passed' : ' dw-scenario-run--failed') : ''}`}
          data-testid="scenario-run"
          data-done={run.done}
          data-passed={run.passed === undefined ? '' : String(run.passed)}
        >
          <pre className="dw-detail">{run.lines.join('\n')}</pre>
          {run.results?.map((r) => (
            <p key={r.text + r.message} className={r.ok ? 'dw-muted' : 'dw-field__message'}>
              {r.ok ? 'PASS' : 'FAIL'} {r.message}
            </p>
          ))}
        </div>
      )}
    </section>
  );
}
