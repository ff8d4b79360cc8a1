// Runs one benchmark part in its own process (`tsx bench/<part>.ts <result file>`), so it gets its own local stack and
// its own module state: lib/wiring.ts caches one wiring per process, and a second stack would keep the first's endpoints.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Where a part writes its JSON result; the part's stdout carries the handlers' log lines, which are not shown. */
export const resultPath = (): string => {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: tsx bench/<part>.ts <result.json>');
  return path;
};

/**
 * Runs `tsx bench/<script>` with `env` and returns the JSON it wrote. The part's stderr (its progress lines) is shown;
 * its stdout (the handlers' JSON logs at INFO) is discarded.
 */
export async function runPart<T>(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const out = join(dir, 'result.json');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(TSX, [join(ROOT, 'bench', script), out, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`bench/${script} exited with ${code}`);
    return JSON.parse(readFileSync(out, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
