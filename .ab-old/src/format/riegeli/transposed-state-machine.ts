/**
 * The state machine of a transposed chunk as our encoder lays it out (FORMAT.md §9). Input: the
 * sequence of states the decoder must visit. A state with a single successor is implicit (no
 * transition byte). Every other state jumps with one byte to any of the 64 most frequent targets,
 * which sit at positions 0..63 and share base 0; rarer targets are reached through no-op states
 * that each open a block of 64 more (two bytes).
 */

/** Most targets one transition byte can select from a base. */
const SPAN = 64;

/** The laid-out machine: state order, next indices, first state and the transition bytes. */
export interface StateMachineLayout {
  /** For each state position: the encoded tag it stands for, or −1 for a no-op. */
  readonly order: Int32Array;
  /** `next` value to write per position (implicit states have the state count added). */
  readonly next: Uint32Array;
  /** Position of the first state visited. */
  readonly firstNode: number;
  /** The transitions stream. */
  readonly transitions: Uint8Array;
}

/**
 * Lays out the machine for `sequence` (encoded tag indices in decoder visiting order, values
 * `< numTags`). Returns undefined when more than 64·64 distinct targets would need a deeper tree
 * (the caller then stores the records verbatim).
 */
export function layoutStateMachine(sequence: Int32Array, numTags: number): StateMachineLayout | undefined {
  const length = sequence.length;
  // Single successor of each tag (−1 none yet, −2 several).
  const successor = new Int32Array(numTags).fill(-1);
  for (let i = 0; i + 1 < length; i++) {
    const from = sequence[i]!;
    const to = sequence[i + 1]!;
    const s = successor[from]!;
    if (s === -1) successor[from] = to;
    else if (s !== to) successor[from] = -2;
  }
  const implicit = new Uint8Array(numTags);
  for (let e = 0; e < numTags; e++) if (successor[e]! >= 0) implicit[e] = 1;
  // The last state visited must read a (missing) byte to stop.
  if (length > 0) implicit[sequence[length - 1]!] = 0;
  breakImplicitLoops(implicit, successor);

  // Count explicit transitions into each target.
  const hits = new Float64Array(numTags);
  for (let i = 0; i + 1 < length; i++) if (implicit[sequence[i]!] === 0) hits[sequence[i + 1]!]++;
  const targets: number[] = [];
  const others: number[] = [];
  for (let e = 0; e < numTags; e++) (hits[e]! > 0 ? targets : others).push(e);
  targets.sort((a, b) => hits[b]! - hits[a]! || a - b);
  const m = targets.length;
  const noops = m <= SPAN ? 0 : Math.ceil((m - SPAN) / (SPAN - 1));
  if (noops > SPAN) return undefined;
  const direct = SPAN - noops;

  const numStates = numTags + noops;
  const order = new Int32Array(numStates);
  const position = new Int32Array(numTags);
  let at = 0;
  for (let k = 0; k < Math.min(direct, m); k++) position[targets[k]!] = at++;
  const noopAt = at;
  at += noops;
  for (let k = direct; k < m; k++) position[targets[k]!] = at++;
  for (const e of others) position[e] = at++;
  for (let e = 0; e < numTags; e++) order[position[e]!] = e;
  for (let j = 0; j < noops; j++) order[noopAt + j] = -1;

  const next = new Uint32Array(numStates);
  for (let p = 0; p < numStates; p++) {
    const e = order[p]!;
    if (e < 0) next[p] = noopAt + noops + SPAN * (p - noopAt);
    else if (implicit[e] === 1) next[p] = position[successor[e]!]! + numStates;
    else next[p] = 0;
  }

  const transitions = new Uint8Array(2 * length);
  let t = 0;
  for (let i = 0; i + 1 < length; i++) {
    if (implicit[sequence[i]!] === 1) continue;
    const p = position[sequence[i + 1]!]!;
    if (p < SPAN) {
      transitions[t++] = p << 2;
    } else {
      const offset = p - (noopAt + noops);
      transitions[t++] = (noopAt + Math.floor(offset / SPAN)) << 2;
      transitions[t++] = (offset % SPAN) << 2;
    }
  }
  return { order, next, firstNode: length > 0 ? position[sequence[0]!]! : 0, transitions: transitions.subarray(0, t) };
}

/** Makes one state of every cycle of implicit states explicit, so decoding always advances. */
function breakImplicitLoops(implicit: Uint8Array, successor: Int32Array): void {
  const n = implicit.length;
  const walk = new Int32Array(n);
  let id = 0;
  for (let i = 0; i < n; i++) {
    if (walk[i] !== 0) continue;
    id++;
    let s = i;
    walk[s] = id;
    while (implicit[s] === 1) {
      const u = successor[s]!;
      if (walk[u] === id) {
        implicit[s] = 0;
        break;
      }
      if (walk[u] !== 0) break;
      walk[u] = id;
      s = u;
    }
  }
}
