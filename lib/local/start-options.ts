// The options of `npm start` (after `--`), each with the variable that sets it too, so a test harness can drive the
// local stack step by step: no schedule (the caller polls), no key check at start, no demo shop, its port, and a file
// where the stack writes what another process needs to act on it (the CLI reads it from LOCAL_STACK_FILE).

export interface StartOptions {
  port: number;
  /** Scheduled polls every 60 s (off: the caller runs them, e.g. `npm run cli -- poll`). */
  schedule: boolean;
  /** The key check at start (off: only its daily schedule, or the caller). */
  keyCheck: boolean;
  /** The simulated shop taking orders and printing labels on its own. */
  demo: boolean;
  /** Where to write the stack's endpoints for other processes (LOCAL_STACK_FILE). */
  endpointsFile?: string;
}

export const START_USAGE = `npm start [-- options]
  --port <n>                 port of the webhook endpoints (PORT; default 3000)
  --no-schedule              no scheduled polls: the caller polls (LOCAL_SCHEDULE=off)
  --no-key-check             no key check at start (LOCAL_KEY_CHECK=off)
  --no-demo                  the simulated shop takes no orders on its own (LOCAL_DEMO=off)
  --endpoints-file <path>    write the stack's endpoints there for the CLI and test harnesses (LOCAL_STACK_FILE)
`;

const off = (value: string | undefined): boolean => value !== undefined && /^(off|false|0|no)$/i.test(value.trim());

/**
 * Reads the options from the arguments and the environment (an argument wins).
 * @returns the options, or what is wrong (then the usage is printed and `npm start` exits 2)
 */
export function readStartOptions(
  args: readonly string[],
  env: Record<string, string | undefined>,
): { ok: true; options: StartOptions } | { ok: false; problem: string } | { ok: false; help: true } {
  if (args.includes('--help') || args.includes('-h')) return { ok: false, help: true };
  const options: StartOptions = {
    port: Number(env.PORT ?? 3000),
    schedule: !off(env.LOCAL_SCHEDULE),
    keyCheck: !off(env.LOCAL_KEY_CHECK),
    demo: !off(env.LOCAL_DEMO),
    ...(env.LOCAL_STACK_FILE !== undefined && env.LOCAL_STACK_FILE.trim() !== '' ? { endpointsFile: env.LOCAL_STACK_FILE.trim() } : {}),
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    const value = (): string | undefined => {
      const next = args[i + 1];
      i += 1;
      return next === undefined || next.startsWith('--') ? undefined : next;
    };
    if (arg === '--no-schedule') options.schedule = false;
    else if (arg === '--no-key-check') options.keyCheck = false;
    else if (arg === '--no-demo') options.demo = false;
    else if (arg === '--port') {
      const port = value();
      if (port === undefined) return { ok: false, problem: '--port needs a number' };
      options.port = Number(port);
    } else if (arg === '--endpoints-file') {
      const path = value();
      if (path === undefined) return { ok: false, problem: '--endpoints-file needs a path' };
      options.endpointsFile = path;
    } else return { ok: false, problem: `unknown option ${String(arg).slice(0, 40)}` };
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
    return { ok: false, problem: 'the port must be a whole number from 0 to 65535' };
  return { ok: true, options };
}
