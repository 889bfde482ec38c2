// @ts-check
// Reads the YAML of a compose file into plain data within limits, in a worker thread (compose-import.ts starts
// it), so that no file, however hostile, blocks the controller's event loop. Plain JavaScript because Node runs
// it as it is, from the sources as from dist/ (type-checked through JSDoc: server/tsconfig.json has checkJs).
//
// The yaml library alone is not safe here: its duplicate-key check is quadratic in the keys of a mapping (30,000
// keys in 470 KB took 37 s), every alias scans every anchor and alias before it (30,000 aliases of `{}` in 120 KB:
// 20 s), and maxAliasCount does not count merge keys (one anchor of 8,000 keys merged 800 times: 89 KB, 9 s and
// 330 MB). So the library only parses, with its duplicate-key check off, and this module does the rest, each
// step linear in the size of the file:
//   1. counts the file's YAML tokens with the library's lexer before parsing it (parsing costs ~10x lexing);
//   2. sizes what the document expands to once aliases and merge keys are resolved (every value, every
//      character of text, every level of nesting), refusing duplicate keys, aliases to nothing and aliases
//      inside what they refer to, without building anything;
//   3. only then builds the plain data, each anchored node once (its aliases share it).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  Composer,
  CST,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
  YAMLParseError,
} from 'yaml';

/**
 * @typedef {object} YamlLimits
 * @property {number} maxTokens YAML tokens in the text (scalars, aliases, indicators), before parsing
 * @property {number} maxValues values (keys, scalars, mappings, sequences) once aliases and merges are resolved
 * @property {number} maxChars characters of text (keys and strings) once aliases and merges are resolved
 * @property {number} maxDepth levels of nesting, counting what aliases bring in
 */

/**
 * @typedef {{ ok: true, value: unknown }
 *   | { ok: false, status: 400 | 413, error: string, message: string }} YamlRead
 */

/** Lexemes that begin a node or an entry (whitespace, comments and flow punctuation are not counted). */
const COUNTED = new Set([
  'scalar',
  'single-quoted-scalar',
  'double-quoted-scalar',
  'alias',
  'flow-map-start',
  'flow-seq-start',
  'seq-item-ind',
  'map-value-ind',
  'explicit-key-ind',
]);

const format = (/** @type {number} */ n) =>
  Number.isFinite(n) && n < 1e15 ? n.toLocaleString('en-US') : 'more than 10^15';

class Refusal extends Error {
  /**
   * @param {400 | 413} status
   * @param {string} error
   * @param {string} message
   */
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

/**
 * Counts the YAML tokens of `text` that begin a node or an entry, with the library's own lexer, and the
 * deepest nesting of its brackets (cheaper to see here than after parsing).
 * @param {string} text
 * @returns {{ tokens: number, brackets: number }}
 */
export function countTokens(text) {
  let tokens = 0;
  let open = 0;
  let brackets = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme);
    if (type === null) continue;
    if (COUNTED.has(type)) tokens++;
    if (type === 'flow-map-start' || type === 'flow-seq-start') brackets = Math.max(brackets, ++open);
    else if (type === 'flow-map-end' || type === 'flow-seq-end') open = Math.max(0, open - 1);
  }
  return { tokens, brackets };
}

/**
 * The deepest nesting of collections in parsed CST tokens (walked without recursion), and where it first goes
 * beyond `maxDepth`. The composer recurses once per level: a thousand levels of indentation overflow its stack,
 * and a stack overflow while V8 compiles a regular expression can abort the whole process, not only this worker.
 * @param {import('yaml').CST.Token[]} tokens
 * @param {number} maxDepth
 * @returns {number | null} the offset of the first collection nested deeper than maxDepth, or null
 */
export function tooDeepAt(tokens, maxDepth) {
  /** @type {[unknown, number][]} */
  const stack = tokens.map((token) => [token, 0]);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [token, depth] = next;
    if (token === null || typeof token !== 'object') continue;
    const t =
      /** @type {{ type?: string, offset?: number, value?: unknown, items?: { key?: unknown, value?: unknown }[] }} */ (
        token
      );
    if (t.type === 'document') stack.push([t.value, depth]);
    else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth + 1 > maxDepth) return t.offset ?? 0;
      for (const item of t.items ?? []) {
        stack.push([item.key, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return null;
}

/**
 * @typedef {object} Size
 * @property {number} values
 * @property {number} chars
 * @property {number} depth levels below and including the node
 */

/** @typedef {import('yaml').Node} YamlNode */

/**
 * Sizes and then builds one document. Anchors are resolved as the yaml library resolves them: an alias refers
 * to the last node with that anchor before it, in document order.
 */
class Reader {
  /**
   * @param {import('yaml').Document.Parsed} doc
   * @param {LineCounter} lines
   * @param {YamlLimits} limits
   */
  constructor(doc, lines, limits) {
    this.doc = doc;
    this.lines = lines;
    this.limits = limits;
    /** @type {Map<string, YamlNode>} anchor name -> the node it names, as the walk goes */
    this.anchors = new Map();
    /** @type {Map<YamlNode, Size>} the size of each anchored node and each mapping, once walked */
    this.sizes = new Map();
    /** @type {Set<YamlNode>} anchored nodes being walked (an alias to one of them is a cycle) */
    this.open = new Set();
    /** @type {Map<import('yaml').Alias, YamlNode>} what each alias refers to */
    this.targets = new Map();
    /** @type {Map<YamlNode, unknown>} the value built for each anchored node */
    this.built = new Map();
  }

  /** "at line L, column C" of a node, when it has a position. */
  where(/** @type {unknown} */ node) {
    const range = /** @type {{ range?: [number, number, number] } | null} */ (node)?.range;
    if (!range) return '';
    const { line, col } = this.lines.linePos(range[0]);
    return ` at line ${line}, column ${col}`;
  }

  /** @returns {never} */
  malformed(/** @type {string} */ message, /** @type {unknown} */ node) {
    throw new Refusal(400, 'malformed-yaml', `the compose file cannot be read${this.where(node)}: ${message}`);
  }

  /** The key of a pair as the text it becomes, or null for a merge key. */
  keyOf(/** @type {unknown} */ key) {
    const node = isAlias(key) ? this.targets.get(key) : key;
    if (node === undefined || node === null)
      return key === null ? '' : this.malformed('an alias as a key refers to nothing', key);
    if (!isScalar(node)) {
      const message = `the key${this.where(key)} is a mapping or a sequence: the keys of a compose file are names`;
      throw new Refusal(400, 'not-compose', message);
    }
    const value = node.value;
    if (typeof value === 'symbol') return value.description === '<<' && node === key ? null : String(value.description);
    return value === null || value === undefined ? '' : String(value);
  }

  /**
   * Sizes a node (and registers anchors and alias targets on the way). `depth` is the node's own level.
   * @param {unknown} node
   * @param {number} depth
   * @returns {Size}
   */
  size(node, depth) {
    if (depth > this.limits.maxDepth) {
      throw new Refusal(
        413,
        'compose-too-large',
        `the compose file nests more than ${this.limits.maxDepth} levels deep${this.where(node)}; this controller reads at most ${this.limits.maxDepth}`,
      );
    }
    if (node === null || node === undefined) return { values: 1, chars: 0, depth: 1 };
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (target === undefined) this.malformed(`the alias *${node.source} refers to no anchor before it`, node);
      if (this.open.has(target)) this.malformed(`the alias *${node.source} is inside the node it refers to`, node);
      this.targets.set(node, target);
      return /** @type {Size} */ (this.sizes.get(target));
    }
    const anchor = /** @type {{ anchor?: string }} */ (node).anchor;
    if (anchor) {
      this.anchors.set(anchor, /** @type {YamlNode} */ (node));
      this.open.add(/** @type {YamlNode} */ (node));
    }
    /** @type {Size} */
    let size;
    if (isScalar(node)) {
      size = { values: 1, chars: typeof node.value === 'string' ? node.value.length : 0, depth: 1 };
    } else if (isSeq(node)) {
      size = { values: 1, chars: 0, depth: 1 };
      for (const item of node.items) this.add(size, this.size(item, depth + 1));
    } else if (isMap(node)) {
      size = { values: 1, chars: 0, depth: 1 };
      /** @type {Set<string>} */
      const keys = new Set();
      for (const pair of node.items) {
        if (!isPair(pair)) this.malformed('a mapping holds something that is not a key and a value', node);
        const keySize = this.size(pair.key, depth + 1);
        const key = this.keyOf(pair.key);
        const valueSize = this.size(pair.value, depth + 1);
        if (key === null) {
          // A merge key: what it merges counts as if it were written here.
          for (const source of this.mergeSources(pair.value)) {
            const merged = this.sizeOfNode(source);
            size.values += merged.values - 1;
            size.chars += merged.chars;
            size.depth = Math.max(size.depth, merged.depth);
          }
          continue;
        }
        if (keys.has(key)) this.malformed(`the key "${key.slice(0, 80)}" appears twice in one mapping`, pair.key);
        keys.add(key);
        this.add(size, keySize);
        this.add(size, valueSize);
      }
    } else {
      this.malformed('a node of an unknown kind', node);
    }
    this.check(size, node);
    if (anchor) this.open.delete(/** @type {YamlNode} */ (node));
    // Kept for aliases (anchored nodes) and merge keys (mappings).
    if (anchor || isMap(node)) this.sizes.set(/** @type {YamlNode} */ (node), size);
    return size;
  }

  /** Adds a child's size to its parent's (the parent is one level above it). */
  add(/** @type {Size} */ parent, /** @type {Size} */ child) {
    parent.values += child.values;
    parent.chars += child.chars;
    parent.depth = Math.max(parent.depth, child.depth + 1);
  }

  /** The size of a mapping already walked (what a merge key merges). */
  sizeOfNode(/** @type {YamlNode} */ node) {
    return /** @type {Size} */ (this.sizes.get(node));
  }

  /** Refuses as soon as one node expands beyond a limit (the first one found, so its count is a lower bound). */
  check(/** @type {Size} */ size, /** @type {unknown} */ node) {
    const { maxValues, maxChars, maxDepth } = this.limits;
    const what = node === this.doc.contents ? 'the compose file' : `the node${this.where(node)}`;
    const refuse = (/** @type {string} */ asked, /** @type {number} */ limit) => {
      throw new Refusal(
        413,
        'compose-too-large',
        `${what} ${asked} once its aliases and merge keys are resolved; this controller reads at most ${format(limit)}`,
      );
    };
    if (size.values > maxValues) refuse(`expands to ${format(size.values)} values`, maxValues);
    if (size.chars > maxChars) refuse(`expands to ${format(size.chars)} characters of text`, maxChars);
    if (size.depth > maxDepth) refuse(`nests ${format(size.depth)} levels deep`, maxDepth);
  }

  /** The mappings a merge key's value merges, in order (a mapping, an alias to one, or a sequence of those). */
  mergeSources(/** @type {unknown} */ value) {
    const resolve = (/** @type {unknown} */ node) => (isAlias(node) ? this.targets.get(node) : node);
    const direct = resolve(value);
    const items = isSeq(direct) ? direct.items.map(resolve) : [direct];
    /** @type {YamlNode[]} */
    const sources = [];
    for (const item of items) {
      if (!isMap(item)) this.malformed('a merge key (<<) takes a mapping, an alias to one, or a list of those', value);
      sources.push(item);
    }
    return sources;
  }

  /** Builds the plain value of a node already sized. */
  build(/** @type {unknown} */ node) {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.built.get(/** @type {YamlNode} */ (this.targets.get(node)));
    const anchored = !!(/** @type {{ anchor?: string }} */ (node).anchor);
    if (anchored && this.built.has(/** @type {YamlNode} */ (node)))
      return this.built.get(/** @type {YamlNode} */ (node));
    /** @type {unknown} */
    let value;
    if (isScalar(node)) {
      const v = node.value;
      value = typeof v === 'symbol' ? v.description : typeof v === 'bigint' ? Number(v) : v;
    } else if (isSeq(node)) {
      value = node.items.map((item) => this.build(item));
    } else if (isMap(node)) {
      /** @type {Record<string, unknown>} */
      const out = {};
      const define = (/** @type {string} */ key, /** @type {unknown} */ v) =>
        Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      for (const pair of node.items) {
        const key = this.keyOf(pair.key);
        if (key === null) {
          for (const source of this.mergeSources(pair.value)) {
            const merged = /** @type {Record<string, unknown>} */ (this.build(source));
            for (const k of Object.keys(merged)) if (!Object.hasOwn(out, k)) define(k, merged[k]);
          }
        } else {
          define(key, this.build(pair.value));
        }
      }
      value = out;
    }
    if (anchored) this.built.set(/** @type {YamlNode} */ (node), value);
    return value;
  }
}

/**
 * Reads `text` as one YAML document into plain data, or says why not. Never throws for any text.
 * @param {string} text
 * @param {YamlLimits} limits
 * @returns {YamlRead}
 */
export function readYaml(text, limits) {
  /** @type {(message: string) => YamlRead} */
  const tooLarge = (message) => ({ ok: false, status: 413, error: 'compose-too-large', message });
  try {
    const { tokens, brackets } = countTokens(text);
    if (brackets > limits.maxDepth) {
      return tooLarge(
        `the brackets of the compose file nest ${format(brackets)} levels deep; this controller reads at most ${limits.maxDepth}`,
      );
    }
    if (tokens > limits.maxTokens) {
      return tooLarge(
        `the compose file has ${format(tokens)} YAML tokens (keys, values, list items); this controller reads at most ${format(limits.maxTokens)}`,
      );
    }
    // What parseDocument does, with a look at the nesting between parsing and composing.
    const lines = new LineCounter();
    const cst = [...new Parser(lines.addNewLine).parse(text)];
    const deepAt = tooDeepAt(cst, limits.maxDepth);
    if (deepAt !== null) {
      const { line, col } = lines.linePos(deepAt);
      return tooLarge(
        `the compose file nests more than ${limits.maxDepth} levels deep at line ${line}, column ${col}; this controller reads at most ${limits.maxDepth}`,
      );
    }
    const docs = new Composer({ merge: true, uniqueKeys: false }).compose(cst, true, text.length);
    const doc = /** @type {import('yaml').Document.Parsed} */ (docs.next().value);
    const errors = [...doc.errors];
    if (!docs.next().done)
      errors.push(
        new YAMLParseError(
          [doc.range[2], doc.range[2] + 1],
          'MULTIPLE_DOCS',
          'the file holds more than one YAML document',
        ),
      );
    const first = errors[0];
    if (first) {
      const { line, col } = lines.linePos(first.pos[0]);
      return {
        ok: false,
        status: 400,
        error: 'malformed-yaml',
        message: `the compose file is not valid YAML at line ${line}, column ${col}: ${first.message.split('\n')[0]}`,
      };
    }
    const reader = new Reader(doc, lines, limits);
    reader.size(doc.contents, 1);
    return { ok: true, value: reader.build(doc.contents) };
  } catch (error) {
    if (error instanceof Refusal)
      return { ok: false, status: error.status, error: error.error, message: error.message };
    return {
      ok: false,
      status: 400,
      error: 'malformed-yaml',
      message: `the compose file cannot be read: ${String(/** @type {Error} */ (error)?.message ?? error).split('\n')[0]}`,
    };
  }
}

// Started as a worker by compose-import.ts: read workerData.text, post the answer, end.
if (!isMainThread && parentPort && workerData?.task === 'read-compose-yaml') {
  parentPort.postMessage(readYaml(workerData.text, workerData.limits));
}
