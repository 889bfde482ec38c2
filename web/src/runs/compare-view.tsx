// Two runs side by side (B against A, A the older): per link and per service the rate, errors, refusals, p50 and
// p99 of each, with the difference, coloured better or worse; the world diff between their revisions beside it.
// While it is open the diagram colours each link by its verdict (link-edge.tsx reads `comparison.verdicts`).
import type { Compared } from '@dw/world';
import { formatMs, formatRate } from '../live/format';
import { useEditor, useEditorActions } from '../store/editor-context';

const FIGURES = [
  ['rate', 'Rate', (n: number) => formatRate(n)],
  ['errors', 'Errors', (n: number) => String(n)],
  ['refused', 'Refused', (n: number) => String(n)],
  ['p50Ms', 'p50', (n: number) => formatMs(n)],
  ['p99Ms', 'p99', (n: number) => formatMs(n)],
] as const;

function Cell({ figure, format }: { figure: Compared; format: (n: number) => string }) {
  const tone = figure.better === null ? 'same' : figure.better ? 'better' : 'worse';
  const sign = figure.delta > 0 ? '+' : figure.delta < 0 ? '−' : '±';
  return (
    <td className={`dw-compare__cell dw-compare__cell--${tone}`} data-tone={tone}>
      {format(figure.a)} → {format(figure.b)}{' '}
      <small>
        ({sign}
        {format(Math.abs(figure.delta))})
      </small>
    </td>
  );
}

export function CompareView() {
  const comparison = useEditor((s) => s.comparison);
  const actions = useEditorActions();
  if (!comparison) return null;
  const { a, b, result } = comparison;
  const diff = result.world;
  const changes = [
    ...diff.services.added.map((id) => `+ service ${id}`),
    ...diff.services.removed.map((id) => `− service ${id}`),
    ...diff.services.changed.map((id) => `~ service ${id}`),
    ...diff.links.added.map((id) => `+ link ${id}`),
    ...diff.links.removed.map((id) => `− link ${id}`),
  ];
  return (
    <section className="dw-compare" aria-label="Compare runs" data-testid="compare-view">
      <header className="dw-compare__head">
        <strong>
          Compare A <code>{a.runId}</code> (rev {a.rev}) with B <code>{b.runId}</code> (rev {b.rev})
        </strong>
        <button type="button" className="dw-button" onClick={actions.closeComparison}>
          Close
        </button>
      </header>
      <div className="dw-compare__body">
        <table className="dw-compare__table">
          <thead>
            <tr>
              <th>Link</th>
              {FIGURES.map(([key, label]) => (
                <th key={key}>{label} (A → B)</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.links.map((link) => (
              <tr key={link.id} data-testid={`compare-link-${link.id}`} data-verdict={link.verdict}>
                <th scope="row">
                  {link.from} → {link.to} <small>{link.id}</small>
                  {link.in !== 'both' && <small> (only in {link.in.toUpperCase()})</small>}
                </th>
                {FIGURES.map(([key, , format]) => (
                  <Cell key={key} figure={link[key]} format={format} />
                ))}
              </tr>
            ))}
          </tbody>
          <thead>
            <tr>
              <th>Service</th>
              {FIGURES.map(([key, label]) => (
                <th key={key}>{label} (A → B)</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.services.map((service) => (
              <tr key={service.id} data-testid={`compare-service-${service.id}`} data-verdict={service.verdict}>
                <th scope="row">{service.id}</th>
                {FIGURES.map(([key, , format]) => (
                  <Cell key={key} figure={service[key]} format={format} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <div className="dw-compare__diff" data-testid="compare-world-diff">
          <strong>
            World diff (rev {a.rev} → rev {b.rev})
          </strong>
          {changes.length === 0 ? (
            <p className="dw-muted">Same world: no service or link changed.</p>
          ) : (
            <ul>
              {changes.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
