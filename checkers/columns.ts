// Growable typed-array columns and an open-addressing value → slot index: the compact storage
// that lets a 10M-op history be checked without keeping Op objects around.

/**
 * The capacity to grow a column of `len` elements to, to hold at least `min`: doubling while
 * small, then by half (a 10M-op history's columns would otherwise sit up to half empty).
 */
export function grownCapacity(len: number, min: number): number {
  return Math.max(min, len < 1 << 16 ? len * 2 : len + (len >>> 1), 16);
}

export function growF64(a: Float64Array<ArrayBuffer>, min: number, fill = NaN): Float64Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Float64Array(grownCapacity(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growI32(a: Int32Array<ArrayBuffer>, min: number, fill = -1): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Int32Array(grownCapacity(a.length, min));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growU8(a: Uint8Array<ArrayBuffer>, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Uint8Array(grownCapacity(a.length, min));
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

/** An append-only list of small non-negative ints (< 256). */
export class U8List {
  a: Uint8Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 16) {
    this.a = new Uint8Array(cap);
  }
  push(x: number): void {
    if (this.n === this.a.length) this.a = growU8(this.a, this.n + 1);
    this.a[this.n++] = x;
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

/**
 * Open-addressing index from a value to its slot, for a table whose slot → value column the
 * caller keeps (`values`): only slots are stored here (4 bytes per cell, load at most 1/2), and a
 * cell matches when values[slot] is the value looked up.
 */
export class SlotIndex {
  private cells: Int32Array<ArrayBuffer>;
  private mask: number;
  size = 0;
  constructor(cap = 16) {
    let c = 16;
    while (c < cap * 2) c <<= 1;
    this.cells = new Int32Array(c).fill(-1);
    this.mask = c - 1;
  }
  /** The slot of v, -1 if absent. */
  get(v: number, values: Float64Array): number {
    const cells = this.cells;
    let i = hashNum(v) & this.mask;
    for (;;) {
      const s = cells[i];
      if (s === -1 || values[s] === v) return s;
      i = (i + 1) & this.mask;
    }
  }
  /** Adds slot s, whose value values[s] is already set and not in the index yet. */
  add(s: number, values: Float64Array): void {
    if ((this.size + 1) * 2 > this.mask) this.rehash(values);
    const cells = this.cells;
    let i = hashNum(values[s]) & this.mask;
    while (cells[i] !== -1) i = (i + 1) & this.mask;
    cells[i] = s;
    this.size++;
  }
  private rehash(values: Float64Array): void {
    const old = this.cells;
    const c = old.length * 2;
    const cells = new Int32Array(c).fill(-1);
    const mask = c - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j];
      if (s === -1) continue;
      let i = hashNum(values[s]) & mask;
      while (cells[i] !== -1) i = (i + 1) & mask;
      cells[i] = s;
    }
    this.cells = cells;
    this.mask = mask;
  }
}
