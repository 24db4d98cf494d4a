// Random identifiers. crypto.randomUUID exists only in secure contexts, so
// plain-http test sites fall back to getRandomValues, which exists everywhere.
export function uuid(): string {
  const c = crypto;
  if (c.randomUUID) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (x) => (x + 256).toString(16).slice(1)).join('');
}
