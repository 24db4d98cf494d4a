// Web storage that never throws: storage can be disabled, full, or blocked
// by privacy settings, and none of that may break the host page.
export type Area = 'localStorage' | 'sessionStorage';

export function load<T>(area: Area, key: string): T | undefined {
  try {
    const raw = window[area].getItem(key);
    return raw ? (JSON.parse(raw) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Stores `value` as JSON, or removes the key when `value` is undefined. */
export function save(area: Area, key: string, value: unknown): boolean {
  try {
    if (value === undefined) window[area].removeItem(key);
    else window[area].setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
