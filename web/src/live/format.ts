// Numbers as people read them: "18.5/s", "1,234", "2.5%", "4.2 ms" -- the formats of the figures of @dw/world
// (figures.ts), so a label, an inspector and a chart write a figure the same way.
export { formatCount, formatMs, formatPercent, formatRate } from '@dw/world';
