/**
 * The process_* figures client_golang's process collector exports (Caddy
 * registers it in every config's registry), read when scraped. Dashboards
 * for Caddy read process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds and process_start_time_seconds. The /proc figures exist
 * on Linux only; elsewhere those series are left out, as client_golang does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Registry } from './registry.js';

const startTime = Math.floor(Date.now() / 1000 - process.uptime());

function procStat(): { vsize: number } | null {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const text = readFileSync('/proc/self/stat', 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { vsize: Number(rest[20]) };
  } catch {
    return null;
  }
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

function limit(name: string): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
    if (line === undefined) return null;
    const soft = line.slice(name.length).trim().split(/\s+/)[0];
    return soft === 'unlimited' ? -1 : Number(soft);
  } catch {
    return null;
  }
}

const one = (value: number | null | undefined) => (value === null || value === undefined ? [] : [{ labels: [], value }]);

export function registerProcessMetrics(r: Registry): void {
  r.collector('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'counter', [], () => {
    const u = process.cpuUsage();
    return one((u.user + u.system) / 1e6);
  });
  r.collector('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', [], () => one(process.memoryUsage.rss()));
  r.collector('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'gauge', [], () => one(procStat()?.vsize));
  r.collector('process_open_fds', 'Number of open file descriptors.', 'gauge', [], () => one(openFds()));
  r.collector('process_max_fds', 'Maximum number of open file descriptors.', 'gauge', [], () => one(limit('Max open files')), 'max');
  r.collector('process_virtual_memory_max_bytes', 'Maximum amount of virtual memory available in bytes.', 'gauge', [], () => one(limit('Max address space')), 'max');
  r.collector('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', [], () => one(startTime), 'min');
}
