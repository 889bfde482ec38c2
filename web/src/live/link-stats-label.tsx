// A link's live numbers, drawn at the middle of the link. The markup is what the end-to-end tests read. Clicking the
// label selects the link. On a link too short for it, the label shrinks to its rate, or hides, rather than cover
// the nodes at either end; hovering or selecting the link shows it whole, above the nodes.
import { type MouseEvent, useCallback, useLayoutEffect, useRef, useState } from 'react';
import { useEditor, useEditorActions, useTrafficShown } from '../store/editor-context';
import { formatCount, formatMs, formatPercent, formatRate } from './format';
import { LABEL_GAP, trackLabel, untrackLabel } from './label-boxes';
import { LockIcon } from './lock-icon';

/** A node's box in flow coordinates. */
export interface NodeBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much of the label shows: all of it, the rate alone, or nothing (the link is too short for even that). */
export type LabelFit = 'full' | 'compact' | 'hidden';

/** A margin kept between a label and a node, in flow units. */
const CLEARANCE = 4;

/** True when a label of this size, centred above (x, y), comes within CLEARANCE of any of these boxes. */
export function labelCovers(
  x: number,
  y: number,
  size: { width: number; height: number },
  boxes: readonly (NodeBox | null)[],
): boolean {
  const left = x - size.width / 2 - CLEARANCE;
  const right = x + size.width / 2 + CLEARANCE;
  const top = y - LABEL_GAP - size.height - CLEARANCE;
  const bottom = y - LABEL_GAP + CLEARANCE;
  return boxes.some((b) => b !== null && left < b.x + b.width && b.x < right && top < b.y + b.height && b.y < bottom);
}

/**
 * The most of the label that fits, given the sizes measured so far for each form (undefined: not measured yet,
 * so try it).
 */
export function fitLabel(
  x: number,
  y: number,
  sizes: Partial<Record<'full' | 'compact', { width: number; height: number }>>,
  boxes: readonly (NodeBox | null)[],
): LabelFit {
  for (const fit of ['full', 'compact'] as const) {
    const size = sizes[fit];
    if (size === undefined || !labelCovers(x, y, size, boxes)) return fit;
  }
  return 'hidden';
}

interface LinkStatsLabelProps {
  linkId: string;
  x: number;
  y: number;
  deny: boolean;
  /** The boxes of the nodes at either end, which the label must not cover. */
  ends?: readonly (NodeBox | null)[];
  /** Hovered or selected: shown whole, above the nodes. */
  raised?: boolean;
  /** The pointer entered (true) or left (false) the label: it keeps the link hovered. */
  onHover?: (hovered: boolean) => void;
}

const NO_ENDS: readonly (NodeBox | null)[] = [];

export function LinkStatsLabel({ linkId, x, y, deny, ends = NO_ENDS, raised = false, onHover }: LinkStatsLabelProps) {
  const live = useTrafficShown((s) => s.links[linkId]);
  const deployed = useEditor((s) => s.deployedRev !== null);
  const actions = useEditorActions();
  const [fit, setFit] = useState<LabelFit>('full');
  const sizes = useRef<Partial<Record<'full' | 'compact', { width: number; height: number }>>>({});
  const shown: LabelFit = raised ? 'full' : fit;
  // The particle overlay keeps this label's box clear of dots (see label-boxes.ts): its size is observed while
  // the element exists, its anchor updated on every render.
  const element = useRef<HTMLDivElement | null>(null);
  const ref = useCallback((div: HTMLDivElement | null) => {
    element.current = div;
    if (!div) return;
    return () => untrackLabel(div);
  }, []);
  useLayoutEffect(() => {
    const div = element.current;
    if (!div) return;
    // offsetWidth is the label's layout size, before the viewport's zoom: flow units.
    if (shown !== 'hidden') sizes.current[shown] = { width: div.offsetWidth, height: div.offsetHeight };
    if (!raised) {
      const next = fitLabel(x, y, sizes.current, ends);
      if (next !== fit) setFit(next);
    }
    if (shown === 'hidden') untrackLabel(div);
    else trackLabel(div, x, y);
  });
  const select = useCallback(
    (event: MouseEvent) => {
      event.stopPropagation();
      actions.select({ linkId });
    },
    [actions, linkId],
  );
  if (!live && !deployed) {
    if (!deny) return null;
    return (
      // biome-ignore lint/a11y/useKeyWithClickEvents: the link itself is selectable from the keyboard
      // biome-ignore lint/a11y/noStaticElementInteractions: see above
      <div
        ref={ref}
        className={`dw-link-stats dw-link-stats--deny nodrag nopan${shown === 'hidden' ? ' dw-link-stats--hidden' : ''}`}
        onClick={select}
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
  const classes = [
    'dw-link-stats',
    'nodrag',
    'nopan',
    errors + refused > 0 && 'dw-link-stats--errors',
    rate > 0 ? '' : 'dw-link-stats--quiet',
    shown !== 'full' && `dw-link-stats--${shown}`,
    raised && 'dw-link-stats--raised',
  ];
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the link itself is selectable from the keyboard; this is a shortcut for the mouse
    // biome-ignore lint/a11y/noStaticElementInteractions: see above
    <div
      ref={ref}
      className={classes.filter(Boolean).join(' ')}
      onClick={select}
      onMouseEnter={onHover && (() => onHover(true))}
      onMouseLeave={onHover && (() => onHover(false))}
      data-fit={shown}
      data-testid={`link-stats-${linkId}`}
      data-rate={rate}
      data-total={total}
      data-errors={errors}
      data-refused={refused}
      data-error-pct={Math.round(failedShare * 1000) / 10}
      data-p50={p50}
      data-p99={p99}
      data-mtls={locked}
      title={
        locked
          ? 'Calls over this link cross mutually authenticated TLS. Click to select the link.'
          : 'Click to select the link'
      }
      // Centred just above the link's middle, so the dots stay visible beneath it.
      style={{ transform: `translate(-50%, -100%) translate(${x}px, ${y - LABEL_GAP}px)` }}
    >
      {shown === 'full' && locked ? <LockIcon className="dw-link-stats__lock" /> : null}
      {deny ? <span className="dw-link-stats__deny">deny · </span> : null}
      {formatRate(rate)}
      {shown === 'full' ? (
        <>
          {' '}
          · {formatCount(total)} total · {formatCount(errors)} err
          {refused > 0 ? ` · ${formatCount(refused)} refused` : ''}
          <span className="dw-link-stats__detail">
            {formatPercent(failedShare)} failed · p50 {formatMs(p50)} · p99 {formatMs(p99)}
          </span>
        </>
      ) : null}
    </div>
  );
}
