// How long a lab double's server answers 503 after it starts, like a pod whose readiness probe
// has not passed yet: the service exists, its port answers, the application is not there.

/** `isReady()` turns true `process.env[envName]` ms (else `defaultMs`) after this call. */
export function readiness(envName, defaultMs) {
  const raw = process.env[envName];
  const ms = raw !== undefined && raw !== '' && Number(raw) >= 0 ? Number(raw) : defaultMs;
  const readyAt = Date.now() + ms;
  return () => Date.now() >= readyAt;
}
