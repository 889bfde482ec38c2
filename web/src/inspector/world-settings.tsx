// With nothing selected: the world's own settings, what it holds, and every problem in it.
import { DEFAULT_HOP_BUDGET, DEFAULT_LEAF_LIFETIME_MINUTES, KIND_LIST } from '@dw/world';
import { ScenarioPanel } from '../scenarios/scenario-panel';
import { selectReadinessHint, selectReadinessMessage, selectReadinessTone } from '../store/deploy-readiness';
import { useEditor, useEditorActions } from '../store/editor-context';
import { plural, selectDraftWorld } from '../store/editor-store';
import { problemSubject } from '../store/problem-index';
import { RecentTraces } from '../traces/recent-messages';
import { NumberField, TextField } from './fields';
import { IdentityActions } from './identity-actions';

function ProblemList() {
  const problems = useEditor((s) => s.problems.list);
  const world = useEditor(selectDraftWorld);
  const actions = useEditorActions();
  const readiness = useEditor(selectReadinessTone);
  const message = useEditor(selectReadinessMessage);
  const hint = useEditor(selectReadinessHint);
  if (readiness === 'empty') {
    return (
      <p className="dw-readiness dw-readiness--note" data-testid="world-readiness" data-tone="empty">
        {message}: {hint}.
      </p>
    );
  }
  if (problems.length === 0) {
    return (
      <p className="dw-ok" data-testid="world-readiness" data-tone="ready">
        No problems: ready to deploy.
      </p>
    );
  }
  return (
    <section className="dw-inspector__section" aria-label="Problems">
      <h3 className="dw-section-title">
        {problems.length === 1 ? '1 problem' : `${problems.length} problems`} to fix before deploying
      </h3>
      <ul className="dw-problems">
        {problems.map((problem) => {
          const subject = problemSubject(problem, world);
          const target = subject.nodeId
            ? { nodeId: subject.nodeId }
            : subject.linkId
              ? { linkId: subject.linkId }
              : null;
          return (
            <li key={`${problem.pointer}|${problem.message}`}>
              <button type="button" className="dw-link-button" onClick={() => actions.select(target)}>
                {subject.label}
              </button>{' '}
              {problem.message}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function WorldSettings() {
  const name = useEditor((s) => s.name);
  const hopBudget = useEditor((s) => s.settings?.hopBudget);
  const leafLifetime = useEditor((s) => s.settings?.leafLifetimeMinutes);
  const messages = useEditor((s) => s.problems.world);
  // "2 clients · 3 services · 4 links": each kind it holds (in the palette's order), then its links.
  const holds = useEditor((s) =>
    [
      ...KIND_LIST.map((k) => {
        const count = s.nodes.filter((n) => n.data.kind === k.kind).length;
        return count > 0 ? plural(count, k.title.toLowerCase()) : null;
      }).filter((part) => part !== null),
      plural(s.edges.length, 'link'),
    ].join(' · '),
  );
  const actions = useEditorActions();
  return (
    <div className="dw-inspector__body">
      <header className="dw-inspector__header">
        <span className="dw-kind-badge dw-kind-badge--world">world</span>
        <h2 className="dw-inspector__title">{name || '(unnamed)'}</h2>
      </header>
      <TextField label="World name" value={name} message={messages.name} onChange={actions.setName} spellCheck />
      <NumberField
        label="Hop budget"
        value={hopBudget}
        optional
        placeholder={String(DEFAULT_HOP_BUDGET)}
        message={messages['settings/hopBudget']}
        hint="How many calls deep one request may go before it is refused (stops loops)."
        onChange={actions.setHopBudget}
      />
      <NumberField
        label="Certificate lifetime"
        value={leafLifetime}
        unit="min"
        optional
        placeholder={String(DEFAULT_LEAF_LIFETIME_MINUTES)}
        message={messages['settings/leafLifetimeMinutes']}
        hint="How long each service's certificate is valid; renewed in place at about two thirds of it. Minutes make renewal visible."
        onChange={actions.setLeafLifetime}
      />
      <IdentityActions />
      <p className="dw-muted">{holds}. Select a node or link to edit it.</p>
      {messages[''] && <p className="dw-field__message">{messages['']}</p>}
      <ScenarioPanel />
      <ProblemList />
      <RecentTraces />
    </div>
  );
}
