// Warnings go to the console only when the site asked for debug output:
// a bank's production console must stay quiet.
let on = false;

export function setDebug(enabled: boolean): void {
  on = enabled;
}

export function warn(...args: unknown[]): void {
  if (on) console.warn('[clearsight]', ...args);
}
