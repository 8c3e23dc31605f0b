// Facts about the machine a benchmark ran on, and memory and CPU figures of processes read from
// /proc. They are Linux only and come out as null elsewhere.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs this process may use (os.availableParallelism). */
  cores: number;
  memoryGiB: number;
  nodeVersion: string;
  platform: string;
  date: string;
}

export function describeMachine(now: Date): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    cpuModel = match?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }

  return {
    cpuModel,
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 1024 ** 3,
    nodeVersion: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
  };
}

export function formatMachine(machine: MachineInfo): string {
  return (
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB RAM, ` +
    `Node.js ${machine.nodeVersion}, ${machine.platform}, ${machine.date}`
  );
}

/** Returns whether a process with this id exists, by sending it signal 0 (which delivers nothing). */
export function isProcessAlive(pid: number | undefined): boolean | null {
  if (pid === undefined) {
    return null;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Returns the peak resident set size (VmHWM) of a running process in bytes, or null when /proc has no figure. */
export function readPeakRssBytes(pid: number | undefined): number | null {
  if (pid === undefined) {
    return null;
  }
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

let clockTicksPerSecond: number | undefined;

/**
 * Returns the CPU seconds a running process has used, its threads included, plus those of the
 * children it has already waited for (the worker's PDF rendering processes). Returns null when
 * /proc has no figure.
 */
export function readCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) {
    return null;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in brackets may contain spaces, so the fields are counted after its ')'.
    // From there utime, stime, cutime and cstime are the 12th to 15th fields (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields.slice(11, 15).reduce((total, value) => total + Number(value), 0);
    clockTicksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

    return Number.isFinite(ticks) ? ticks / clockTicksPerSecond : null;
  } catch {
    return null;
  }
}

export interface DescendantPeak {
  pid: number;
  command: string;
  peakRssBytes: number;
}

/**
 * Samples the peak RSS of every descendant process of `rootPid` (the worker's PDF rendering
 * children) at a fixed interval. A child that lives shorter than the interval is missed, and a
 * peak reached after the last sample of a child is missed too, so the figures are lower bounds.
 */
export function sampleDescendantMemory(rootPid: number | undefined, intervalMs: number): { stop(): DescendantPeak[] } {
  const peaks = new Map<number, DescendantPeak>();
  const sample = () => {
    for (const pid of listDescendants(rootPid)) {
      const peakRssBytes = readPeakRssBytes(pid);
      if (peakRssBytes === null) {
        continue;
      }
      const known = peaks.get(pid);
      if (known) {
        known.peakRssBytes = Math.max(known.peakRssBytes, peakRssBytes);
      } else {
        peaks.set(pid, { pid, command: readCommand(pid), peakRssBytes });
      }
    }
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();

  return {
    stop() {
      clearInterval(timer);
      return [...peaks.values()];
    },
  };
}

function listDescendants(rootPid: number | undefined): number[] {
  if (rootPid === undefined) {
    return [];
  }
  const found: number[] = [];
  const pending = [rootPid];
  // A process tree is finite, but a pid seen twice (reused while walking) must not loop.
  const seen = new Set<number>([rootPid]);
  while (pending.length > 0) {
    const pid = pending.pop()!;
    for (const child of readChildren(pid)) {
      if (!seen.has(child)) {
        seen.add(child);
        found.push(child);
        pending.push(child);
      }
    }
  }

  return found;
}

function readChildren(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '';
  }
}
