import { describe, expect, it } from 'vitest';

import { machineInfo, machineKey, physicalCores, slug } from '../../kernel-bridge/src/backend/machine';

describe('machine info', () => {
  it('makes readable keys from CPU models', () => {
    expect(slug('AMD EPYC 7B13 64-Core Processor')).toBe('amd-epyc-7b13');
    expect(slug('Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz')).toBe('intel-core-i7-9750h');
    expect(slug('Apple M2 Pro')).toBe('apple-m2-pro');
    expect(machineKey('linux', 'x64', 'AMD EPYC 7B13 64-Core Processor', 2, 24.3 * 2 ** 30)).toBe('linux-x64-amd-epyc-7b13-2c-24g');
  });

  it('counts physical cores from /proc/cpuinfo text', () => {
    const text = ['physical id\t: 0', 'core id\t: 0', 'physical id\t: 0', 'core id\t: 0', 'physical id\t: 0', 'core id\t: 1'].join('\n');
    expect(physicalCores(text)).toBe(2);
  });

  it('describes this machine without host names', async () => {
    const os = await import('node:os');
    const m = machineInfo();
    expect(m.key).toMatch(/^[a-z0-9]+-[a-z0-9_]+-[a-z0-9-]+-\d+c-\d+g$/);
    expect(m.key).not.toContain(os.hostname().toLowerCase());
    expect(m.cpu.logicalCores).toBeGreaterThan(0);
    expect(m.node).toBe(process.version);
  });
});
