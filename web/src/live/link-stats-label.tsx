// A link's live numbers, drawn at the middle of the link. The markup is what the end-to-end tests read.
import { useCallback, useLayoutEffect, useRef } from 'react';
import { useEditor, useTrafficShown } from '../store/editor-context';
import { formatCount, formatMs, formatPercent, formatRate } from './format';
import { LABEL_GAP, trackLabel, untrackLabel } from './label-boxes';
import { LockIcon } from './lock-icon';

export function LinkStatsLabel({ linkId, x, y, deny }: { linkId: string; x: number; y: number; deny: boolean }) {
  const live = useTrafficShown((s) => s.links[linkId]);
  const deployed = useEditor((s) => s.deployedRev !== null);
  // The particle overlay keeps this label's box clear of dots (see label-boxes.ts): its size is observed while
  // the element exists, its anchor updated on every render.
  const element = useRef<HTMLDivElement | null>(null);
  const ref = useCallback((div: HTMLDivElement | null) => {
    element.current = div;
    if (!div) return;
    return () => untrackLabel(div);
  }, []);
  useLayoutEffect(() => {
    if (element.current) trackLabel(element.current, x, y);
  });
  if (!live && !deployed) {
    if (!deny) return null;
    return (
      <div
        ref={ref}
        className="dw-link-stats dw-link-stats--deny"
        data-testid={`link-policy-${linkId}`}
        style={{ transform: `translate(-50%, -100%) translate(${x}px, ${y - LABEL_GAP}px)` }}
      >
        deny
      </div>
    );
  }
  const rate = live?.rate ?? 0;
  const total = live?.total ?? 0;
  const errors = live?.errors ?? 0;
  const refused = live?.refused ?? 0;
  const failedShare = (live?.errorShare ?? 0) + (live?.refusedShare ?? 0);
  const p50 = live?.p50Ms ?? 0;
  const p99 = live?.p99Ms ?? 0;
  const locked = live?.mutualTls ?? false;
  return (
    <div
      ref={ref}
      className={`dw-link-stats${errors + refused > 0 ? ' dw-link-stats--errors' : ''}${rate > 0 ? '' : ' dw-link-stats--quiet'}`}
      data-testid={`link-stats-${linkId}`}
      data-rate={rate}
      data-total={total}
      data-errors={errors}
      data-refused={refused}
      data-error-pct={Math.round(failedShare * 1000) / 10}
      data-p50={p50}
      data-p99={p99}
      data-mtls={locked}
      title={locked ? 'Calls over this link cross mutually authenticated TLS' : undefined}
      // Centred just above the link's middle, so the dots stay visible beneath it.
      style={{ transform: `translate(-50%, -100%) translate(${x}px, ${y - LABEL_GAP}px)` }}
    >
      {locked ? <LockIcon className="dw-link-stats__lock" /> : null}
      {deny ? <span className="dw-link-stats__deny">deny · </span> : null}
      {formatRate(rate)} · {formatCount(total)} · {formatCount(errors)} err
      {refused > 0 ? ` · ${formatCount(refused)} refused` : ''}
      <span className="dw-link-stats__detail">
        {formatPercent(failedShare)} failed · p50 {formatMs(p50)} · p99 {formatMs(p99)}
      </span>
    </div>
  );
}
