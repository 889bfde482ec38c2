// Where the link labels are, in flow coordinates, without asking the DOM in an animation frame. The particle
// overlay leaves these boxes clear so the numbers stay readable over the dots. Reading each label's
// getBoundingClientRect forced a synchronous layout after every live update (15% of the page's main thread with
// 150 links live); here each label tells its size through one shared ResizeObserver (sizes arrive after the
// layout the browser does anyway) and its anchor on render.

export interface LabelBox {
  /** The anchor the label is centred on, just above it (flow coordinates). */
  x: number;
  y: number;
  /** Its border box, in flow units (CSS pixels before the viewport's zoom); 0 until measured. */
  width: number;
  height: number;
}

/** The gap between a label's bottom edge and its anchor, as in `translate(-50%, -100%) translate(x, y - gap)`. */
export const LABEL_GAP = 5;

const boxes = new Map<Element, LabelBox>();
let observer: ResizeObserver | undefined;

function resizeObserver(): ResizeObserver {
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = boxes.get(entry.target);
      const size = entry.borderBoxSize?.[0];
      if (!box || !size) continue;
      box.width = size.inlineSize;
      box.height = size.blockSize;
    }
  });
  return observer;
}

/** A label appeared (or moved): keep its anchor, and its size as the browser lays it out. */
export function trackLabel(element: Element, x: number, y: number): void {
  const box = boxes.get(element);
  if (box) {
    box.x = x;
    box.y = y;
    return;
  }
  boxes.set(element, { x, y, width: 0, height: 0 });
  resizeObserver().observe(element, { box: 'border-box' });
}

export function untrackLabel(element: Element): void {
  boxes.delete(element);
  observer?.unobserve(element);
}

/** Every label's box as [left, top, width, height] in flow coordinates. */
export function forEachLabelBox(fn: (left: number, top: number, width: number, height: number) => void): void {
  for (const box of boxes.values()) {
    if (box.width === 0) continue;
    fn(box.x - box.width / 2, box.y - LABEL_GAP - box.height, box.width, box.height);
  }
}
