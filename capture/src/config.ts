// Options: what the site passes to init(), the defaults, and the project's
// server-side capture config merged on top.
import { warn } from './log';
import { load, save } from './storage';
import type { SurveyDef } from './survey';

export interface InitOptions {
  endpoint?: string;
  projectKey: string;
  consent?: 'pending' | 'granted';
  policyVersion?: string;
  flushIntervalMs?: number;
  maxBatchBytes?: number;
  moveSampleMs?: number;
  clickWindowMs?: number;
  maskSelectors?: string[];
  blockSelectors?: string[];
  unmaskSelectors?: string[];
  debug?: boolean;
}

/** The server's GET /api/v1/capture-config answer. */
export interface RemoteConfig {
  blockSelectors?: string[];
  maskSelectors?: string[];
  unmaskSelectors?: string[];
  unmaskUrls?: string[];
  excludeUrls?: string[];
  sampleRate?: number;
  surveys?: SurveyDef[];
}

export interface Settings {
  endpoint: string;
  projectKey: string;
  policyVersion: string;
  flushIntervalMs: number;
  maxBatchBytes: number;
  moveSampleMs: number;
  clickWindowMs: number;
  maskSelectors: string[];
  blockSelectors: string[];
  unmaskSelectors: string[];
  unmaskUrls: string[];
  excludeUrls: string[];
  sampleRate: number;
  surveys: SurveyDef[];
  debug: boolean;
}

const CACHE = 'cs_cfg';
const TIMEOUT_MS = 2000;

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && v > 0 && v < Infinity ? v : fallback;
}

/** Selectors are used with Element.closest(): one bad string would throw there. */
function selectors(...lists: unknown[]): string[] {
  const out: string[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const sel of list) {
      try {
        if (typeof sel !== 'string') throw 0;
        document.createDocumentFragment().querySelector(sel);
        out.push(sel);
      } catch {
        warn('ignoring invalid selector', sel);
      }
    }
  }
  return out;
}

export function settings(o: InitOptions, defaultEndpoint: string): Settings {
  return {
    endpoint: String(o.endpoint || defaultEndpoint).replace(/\/+$/, ''),
    projectKey: String(o.projectKey),
    policyVersion: o.policyVersion ? String(o.policyVersion) : '',
    flushIntervalMs: num(o.flushIntervalMs, 5000),
    maxBatchBytes: num(o.maxBatchBytes, 65536),
    moveSampleMs: num(o.moveSampleMs, 100),
    clickWindowMs: num(o.clickWindowMs, 1000),
    maskSelectors: selectors(o.maskSelectors),
    blockSelectors: selectors(o.blockSelectors),
    unmaskSelectors: selectors(o.unmaskSelectors),
    unmaskUrls: [],
    excludeUrls: [],
    sampleRate: 1,
    surveys: [],
    debug: !!o.debug,
  };
}

function globs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((u) => typeof u === 'string') : [];
}

export function merge(s: Settings, r: RemoteConfig): Settings {
  const rate = r.sampleRate;
  return {
    ...s,
    blockSelectors: selectors(s.blockSelectors, r.blockSelectors),
    maskSelectors: selectors(s.maskSelectors, r.maskSelectors),
    unmaskSelectors: selectors(s.unmaskSelectors, r.unmaskSelectors),
    unmaskUrls: globs(r.unmaskUrls),
    excludeUrls: globs(r.excludeUrls),
    sampleRate: typeof rate === 'number' && rate >= 0 && rate <= 1 ? rate : 1,
    surveys: Array.isArray(r.surveys) ? r.surveys.filter((d) => d && typeof d.id === 'string') : [],
  };
}

/**
 * The project's capture config, cached for the session. A 404 (no config)
 * is cached as "nothing"; network errors and timeouts are not, so the next
 * page asks again. Either way recording goes on with the site's options.
 */
export async function fetchRemote(s: Settings): Promise<RemoteConfig> {
  const cached = load<{ k: string; c: RemoteConfig }>('sessionStorage', CACHE);
  if (cached && cached.k === s.projectKey) return cached.c;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const url = `${s.endpoint}/api/v1/capture-config?key=${encodeURIComponent(s.projectKey)}`;
    const res = await fetch(url, { signal: ctl.signal, credentials: 'omit' });
    let c: RemoteConfig = res.ok ? await res.json() : {};
    if (!c || typeof c !== 'object') c = {};
    if (res.ok || res.status === 404) save('sessionStorage', CACHE, { k: s.projectKey, c });
    if (!res.ok) warn('capture-config answered', res.status);
    return c;
  } catch (e) {
    warn('capture-config unavailable, using defaults', e);
    return {};
  } finally {
    clearTimeout(timer);
  }
}
