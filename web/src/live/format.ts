// Numbers as people read them: "18.5/s", "1,234".
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const formatCount = (value: number) => integer.format(value);
export const formatRate = (perSecond: number) => `${oneDecimal.format(perSecond)}/s`;
export const formatPercent = (share: number) => `${Math.round(share * 1000) / 10}%`;
