/**
 * A backend with some members replaced: the tests' stand-ins for a backend feature (queued
 * copies, caller-memory downloads, streams) or a failure, with every other member the real
 * backend's, bound to it.
 */
export function withOverrides<B extends object>(backend: B, overrides: Partial<Record<keyof B, unknown>>): B {
  return new Proxy(backend, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof B];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
