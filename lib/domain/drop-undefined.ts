// One small object helper shared by the domain and the normalisers.

/** The object without its undefined members (so JSON, equality checks and stored items carry only what is known). */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
