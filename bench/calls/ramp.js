/*
 * The highest number of 1.5 Mbit/s subscribers one forwarding process carries with < 1 % loss:
 * a bounded ramp over `measure` of the calls benchmark (index.js), one run per step, rising by
 * --step from --from until the loss reaches 1 %, a subscriber gets no first keyframe, --max is
 * passed or --max-seconds is spent. Run directly (not through bench/run.js):
 *
 *   node bench/calls/ramp.js [--implementation amtsbote|raw|both] [--from 20] [--step 20]
 *                            [--max 200] [--duration 10] [--workers 2] [--max-seconds 600]
 *
 * On one machine the load processes share the cores with the forwarding process, so the ramp
 * can end because the load side saturates; the CPU share of the forwarding process is printed
 * for each step so that shows.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { measure } from './index.js';

const MAX_LOSS_PERCENT = 1;

const { values } = parseArgs({
  options: {
    implementation: { type: 'string', default: 'amtsbote' },
    from: { type: 'string', default: '20' },
    step: { type: 'string', default: '20' },
    max: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
    'max-seconds': { type: 'string', default: '600' },
  },
});
const number = (name) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer`);
  return value;
};
const implementations = {
  amtsbote: ['amtsbote'],
  raw: ['raw werift'],
  both: ['amtsbote', 'raw werift'],
}[values.implementation];
if (implementations === undefined) throw new Error('--implementation: amtsbote, raw or both');
const endMs = Date.now() + number('max-seconds') * 1000;

const results = [];
for (const implementation of implementations) {
  let best = null;
  let stoppedBecause = `--max ${number('max')} reached`;
  for (let streams = number('from'); streams <= number('max'); streams += number('step')) {
    if (Date.now() > endMs) {
      stoppedBecause = '--max-seconds spent';
      break;
    }
    const run = await measure(implementation, streams, number('workers'), number('duration'));
    const step = {
      implementation,
      streams,
      lossPercent: Number(run.lossPercent.toFixed(2)),
      cpuPercent: Math.round(100 * run.cpuShare),
      streamsPerCore: Math.round(run.streamsPerCore),
      missingFirstFrames: run.missingFirstFrames,
      loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
    };
    console.error(JSON.stringify(step));
    if (run.lossPercent >= MAX_LOSS_PERCENT || run.missingFirstFrames > 0) {
      stoppedBecause = `at ${streams}: ${step.lossPercent} % loss, ${run.missingFirstFrames} without a first keyframe`;
      break;
    }
    best = step;
  }
  results.push({ implementation, highestWithoutLoss: best, stoppedBecause });
}
console.log(JSON.stringify({ maxLossPercent: MAX_LOSS_PERCENT, results }, null, 2));
