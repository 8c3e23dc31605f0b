import { readFile } from 'node:fs/promises';

/**
 * Reads a process's resident set size in MiB from `/proc/<pid>/status`, for the
 * memory watchdogs of child processes. Returns null where `/proc` is missing
 * (macOS) or the process has exited.
 */
export async function readResidentSetMb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) {
    return null;
  }
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);

    return match === null ? null : Math.round(Number(match[1]) / 1024);
  } catch {
    return null;
  }
}
