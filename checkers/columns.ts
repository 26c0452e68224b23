// Growable typed-array columns and an open-addressing number→int hash map: the compact storage
// that lets a 10M-op history be checked without keeping Op objects around.

export function growF64(a: Float64Array<ArrayBuffer>, min: number, fill = NaN): Float64Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Float64Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growI32(a: Int32Array<ArrayBuffer>, min: number, fill = -1): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Int32Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growU8(a: Uint8Array<ArrayBuffer>, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Uint8Array(Math.max(min, a.length * 2, 16));
  b.set(a);
  return b;
}

/** An append-only list of numbers in a Float64Array. */
export class F64List {
  a: Float64Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 16) {
    this.a = new Float64Array(cap);
  }
  push(x: number): void {
    if (this.n === this.a.length) this.a = growF64(this.a, this.n + 1);
    this.a[this.n++] = x;
  }
  get(i: number): number {
    return this.a[i];
  }
}

/** An append-only list of int32s. */
export class I32List {
  a: Int32Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 16) {
    this.a = new Int32Array(cap);
  }
  push(x: number): void {
    if (this.n === this.a.length) this.a = growI32(this.a, this.n + 1, 0);
    this.a[this.n++] = x;
  }
  get(i: number): number {
    return this.a[i];
  }
}

/**
 * A fixed-width record table: `width` float64 fields per row, appended in bulk. Used for the
 * candidate cases that can only be judged once the whole log is known.
 */
export class RowTable {
  readonly width: number;
  a: Float64Array<ArrayBuffer>;
  n = 0;
  constructor(width: number, cap = 64) {
    this.width = width;
    this.a = new Float64Array(cap * width);
  }
  /** Reserves one row and returns the position of its first field. */
  add(): number {
    const at = this.n * this.width;
    if (at + this.width > this.a.length) this.a = growF64(this.a, at + this.width, 0);
    this.n++;
    return at;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashNum(k: number): number {
  let h: number;
  if ((k | 0) === k) h = Math.imul(k, 0x9e3779b1);
  else {
    f64[0] = k;
    h = Math.imul(u32[0] ^ Math.imul(u32[1], 0x85ebca6b), 0x9e3779b1);
  }
  return h ^ (h >>> 15);
}

/** Open-addressing hash map from a number to a non-negative int (e.g. a value to its slot). */
export class NumMap {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;
  constructor(cap = 16) {
    let c = 16;
    while (c < cap * 2) c <<= 1;
    this.keys = new Float64Array(c);
    this.vals = new Int32Array(c).fill(-1);
    this.mask = c - 1;
  }
  get(k: number): number {
    let i = hashNum(k) & this.mask;
    for (;;) {
      const v = this.vals[i];
      if (v === -1) return -1;
      if (this.keys[i] === k) return v;
      i = (i + 1) & this.mask;
    }
  }
  /** The int stored for k; if k is absent, stores `next` for it and returns `next`. */
  getOrAdd(k: number, next: number): number {
    let i = hashNum(k) & this.mask;
    for (;;) {
      const v = this.vals[i];
      if (v === -1) break;
      if (this.keys[i] === k) return v;
      i = (i + 1) & this.mask;
    }
    this.keys[i] = k;
    this.vals[i] = next;
    if (++this.size * 2 > this.mask) this.rehash();
    return next;
  }
  private rehash(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const c = oldK.length * 2;
    this.keys = new Float64Array(c);
    this.vals = new Int32Array(c).fill(-1);
    this.mask = c - 1;
    for (let j = 0; j < oldK.length; j++) {
      if (oldV[j] === -1) continue;
      let i = hashNum(oldK[j]) & this.mask;
      while (this.vals[i] !== -1) i = (i + 1) & this.mask;
      this.keys[i] = oldK[j];
      this.vals[i] = oldV[j];
    }
  }
}
