/**
 * The gradient kernel's task tables (src/ppo/scratch.ts) cover every gradient exactly once, for both tilings:
 * each weight and bias of both networks and each log-std entry is written by one tile entry, and the statistics
 * by one row-sum entry. A gap would leave a stale gradient; an overlap would add a gradient twice when a
 * minibatch spans several chunks. The kernel's own emit() rule is mirrored here: entry (k, j) of a task is
 * written when j < outputs and k <= inputs (k = inputs is the bias row; row sums have inputs = 0).
 */
import { describe, expect, test } from 'vitest';
import { AgentLayout } from '../../src/agent/agent.js';
import { DIRECT_TILING, DIRECT_TILING_MAX_CHUNK, gradientTilingFor, ScratchLayout, SHARED_TILING, Stat, TaskDestination, type GradientTiling } from '../../src/ppo/scratch.js';
import type { ActionSpace } from '../../src/envs/spec.js';

function writes(scratch: ScratchLayout, tiling: GradientTiling): { grads: number[]; records: number[] } {
  const grads = new Array<number>(scratch.agent.table.size).fill(0);
  const records = new Array<number>(scratch.statRows).fill(0);
  for (const task of scratch.gradientTasks(tiling)) {
    for (let r = 0; r < tiling.tileK; r++) {
      for (let t = 0; t < tiling.tileJ; t++) {
        const k = task.k0 + r;
        const j = task.j0 + t;
        if (j >= task.outputs || k > task.inputs) continue;
        if (task.destination === TaskDestination.record) records[task.biasOffset + j]! += 1;
        else grads[k < task.inputs ? task.weightOffset + k * task.outputs + j : task.biasOffset + j]! += 1;
      }
    }
  }
  return { grads, records };
}

const agents: [string, ActionSpace, number[]][] = [
  ['discrete, 2 x 64 (CartPole-v1)', { type: 'discrete', n: 2 }, [64, 64]],
  ['box of 3, awkward widths', { type: 'box', size: 3, low: [-1, -1, -1], high: [1, 1, 1] }, [5, 17, 1]],
];

describe('gradient task tables', () => {
  for (const [name, action, hidden] of agents) {
    for (const [tilingName, tiling] of [
      ['shared', SHARED_TILING],
      ['direct', DIRECT_TILING],
    ] as const) {
      test(`${name}, ${tilingName} tiling: every parameter and statistic is written exactly once`, () => {
        const scratch = new ScratchLayout(new AgentLayout({ observationSize: 4, action, hidden, activation: 'tanh' }));
        const { grads, records } = writes(scratch, tiling);
        // Inside the views (the table pads each view to 16 bytes): exactly once; in the padding: never.
        const expected = new Array<number>(grads.length).fill(0);
        for (const view of scratch.agent.table.views) expected.fill(1, view.offset, view.offset + view.size);
        const wrong = grads.flatMap((n, i) => (n === expected[i] ? [] : [`[${i}] written ${n}x, expected ${expected[i]}`]));
        expect(wrong.slice(0, 5), `${wrong.length} entries written the wrong number of times`).toEqual([]);
        expect(records).toEqual(new Array<number>(Stat.rows).fill(1));
      });
    }
  }

  for (const [tilingName, tiling] of [
    ['shared', SHARED_TILING],
    ['direct', DIRECT_TILING],
  ] as const) {
    test(`actor only with one statistic (TRPO's passes), ${tilingName} tiling: the actor's entries once, the critic's never`, () => {
      const agent = new AgentLayout({ observationSize: 4, action: { type: 'box', size: 3, low: [-1, -1, -1], high: [1, 1, 1] }, hidden: [5, 17], activation: 'tanh' });
      const scratch = new ScratchLayout(agent, { critic: false, statRows: 1 });
      expect(scratch.criticActivationRows).toEqual([]);
      expect(scratch.criticDeltaRows).toEqual([]);
      const { grads, records } = writes(scratch, tiling);
      const expected = new Array<number>(grads.length).fill(0);
      for (const view of agent.table.views) if (!view.name.startsWith('critic.')) expected.fill(1, view.offset, view.offset + view.size);
      const wrong = grads.flatMap((n, i) => (n === expected[i] ? [] : [`[${i}] written ${n}x, expected ${expected[i]}`]));
      expect(wrong.slice(0, 5), `${wrong.length} entries written the wrong number of times`).toEqual([]);
      expect(records).toEqual([1]);
    });
  }

  test('small chunks take the direct tiling, larger ones the shared tiling', () => {
    expect(gradientTilingFor(1)).toBe(DIRECT_TILING);
    expect(gradientTilingFor(DIRECT_TILING_MAX_CHUNK)).toBe(DIRECT_TILING);
    expect(gradientTilingFor(DIRECT_TILING_MAX_CHUNK + 1)).toBe(SHARED_TILING);
  });
});
