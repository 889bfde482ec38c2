// The world's scenarios (saved with it): play one on the controller and watch it act on the diagram; its
// timeline, each step as it happens, and the verdict of its assertions.
import { describeFault } from '@dw/world';
import { request, worldPath } from '../api/http-client';
import { useEditor, useEditorActions, useTraffic } from '../store/editor-context';

export function ScenarioPanel() {
  const scenarios = useEditor((s) => s.scenarios);
  const worldId = useEditor((s) => s.worldId);
  const dirty = useEditor((s) => s.changeSeq !== s.savedSeq);
  const run = useTraffic((s) => s.scenarioRun);
  const { pushToast } = useEditorActions();
  if (!scenarios || scenarios.length === 0 || !worldId) return null;
  const playing = run !== null && !run.done;
  const play = async (name: string) => {
    try {
      await request('POST', `${worldPath(worldId)}/scenario-runs`, { name });
    } catch (error) {
      pushToast({ tone: 'error', title: `Could not play "${name}"`, message: (error as Error).message, ttlMs: 8000 });
    }
  };
  return (
    <section className="dw-inspector__section" aria-label="Scenarios">
      <h3 className="dw-section-title">Scenarios</h3>
      {scenarios.map((scenario) => (
        <div key={scenario.name} className="dw-scenario">
          <div className="dw-scenario__head">
            <strong>{scenario.name}</strong>
            <button
              type="button"
              className="dw-button dw-button--small"
              disabled={playing || dirty}
              title={dirty ? 'Save first: a scenario plays the saved world' : undefined}
              onClick={() => void play(scenario.name)}
            >
              Play {scenario.name}
            </button>
          </div>
          <ol className="dw-scenario__steps">
            {scenario.steps.map((step, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: steps have no id; their order is their identity
              <li key={i}>
                {step.atS} s:{' '}
                {step.do === 'fault'
                  ? `${describeFault(step.fault)} on ${'linkId' in step.fault ? step.fault.linkId : step.fault.serviceId}`
                  : step.do === 'kill'
                    ? `kill ${step.serviceId}`
                    : 'heal'}
              </li>
            ))}
            <li>
              {scenario.durationS} s: end; check {scenario.assertions.join(', ') || 'nothing'}
            </li>
          </ol>
        </div>
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
