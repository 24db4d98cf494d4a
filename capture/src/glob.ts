// excludeUrls patterns are globs over location.pathname: `*` stays within
// one path segment, `**` crosses segments. Everything else is literal.
const SPECIAL = /[.+?^${}()|[\]\\]/g;

export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(SPECIAL, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export function matchesAny(path: string, globs: string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}
