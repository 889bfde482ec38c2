// What the controller may ask of a durable kind's process about its data (over mutual TLS, as the controller),
// and what the editor gets from the controller's routes that pass it on: a store's keys and values, a queue's
// dead letters, and clearing a node's data.
import Type, { type Static } from 'typebox';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });

/** The kind's own routes for the controller (answered only to the controller's identity). */
export const KIND_CONTROL = {
  /** GET ?after=<key>&limit=<n>: a store's keys in order (StoreKeyList). */
  keys: '/_dw/keys',
  /** GET /_dw/keys/<key, URL-encoded>: one value (StoreValue). */
  keyPrefix: '/_dw/keys/',
  /** GET ?limit=<n>: a queue's dead letters, newest first (DeadLetterList). */
  deadLetters: '/_dw/dead-letters',
  /** POST: forget every message or key, on disk too (DataCleared). */
  clear: '/_dw/data/clear',
} as const;

/** Keys one listing holds at most. */
export const MAX_KEYS_PER_PAGE = 500;
/** The most of a value the inspector is sent (the rest is cut, and said to be). */
export const MAX_VALUE_PREVIEW_BYTES = 64 * 1024;

export const StoreKeyList = Type.Object(
  {
    keys: Type.Array(Type.Object({ key: Type.String(), bytes: Count }, strict), { maxItems: MAX_KEYS_PER_PAGE }),
    /** Keys it holds in all. */
    total: Count,
    /** The key to ask `after` for the next page, when there is one. */
    next: Type.Optional(Type.String()),
  },
  strict,
);
export type StoreKeyList = Static<typeof StoreKeyList>;

export const StoreValue = Type.Object(
  {
    key: Type.String(),
    /** The value's full size. */
    bytes: Count,
    /** utf8 when the value (as sent) is valid UTF-8 text, else base64. */
    encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
    value: Type.String(),
    /** True when only the first MAX_VALUE_PREVIEW_BYTES are sent. */
    truncated: Type.Boolean(),
  },
  strict,
);
export type StoreValue = Static<typeof StoreValue>;

export const DeadLetter = Type.Object(
  {
    id: Count,
    /** Epoch ms it was published, and given up on. */
    publishedAt: Type.Number(),
    deadAt: Type.Number(),
    attempts: Count,
    /** Why the last attempt failed: "status 500", "timed out", "hop budget"... */
    reason: Type.String({ maxLength: 200 }),
    bytes: Count,
    /** Its first bytes (at most 256), as UTF-8 text with replacement characters. */
    preview: Type.String(),
  },
  strict,
);
export type DeadLetter = Static<typeof DeadLetter>;

export const DeadLetterList = Type.Object(
  {
    letters: Type.Array(DeadLetter, { maxItems: MAX_KEYS_PER_PAGE }),
    /** Dead letters it holds, and how many older ones were dropped (beyond maxDeadLetters) since it started. */
    total: Count,
    dropped: Count,
  },
  strict,
);
export type DeadLetterList = Static<typeof DeadLetterList>;

/** DELETE /api/worlds/:id/nodes/:nodeId/data: what was cleared, and how. */
export const DataCleared = Type.Object(
  {
    nodeId: Type.String(),
    /** running: the process forgot it all, on disk too, and runs on; stored: nothing ran, the directory is gone. */
    how: Type.Union([Type.Literal('running'), Type.Literal('stored')]),
    /** Messages or keys forgotten (running only). */
    removed: Type.Optional(Count),
  },
  strict,
);
export type DataCleared = Static<typeof DataCleared>;
