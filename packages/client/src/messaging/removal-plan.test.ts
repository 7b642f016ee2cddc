import { describe, expect, it } from 'vitest';
import { confirmsRemovals, planRemovals } from './removal-plan.js';

const [self, ownPhone, bernd, clara] = [
  '00000000-0000-4000-8000-000000000001',
  '00000000-0000-4000-8000-000000000002',
  '00000000-0000-4000-8000-000000000003',
  '00000000-0000-4000-8000-000000000004',
];
const member = (deviceId: string, userId = deviceId) => ({ userId, deviceId });
const group = {
  epoch: 7,
  members: [member(self, 'anna'), member(ownPhone, 'anna'), member(bernd), member(clara)],
};

describe('planRemovals', () => {
  it('removes the devices the roster no longer routes, never this one', () => {
    expect(planRemovals(group, { epoch: 7, deviceIds: [self, bernd] }, self)).toEqual({
      kind: 'remove',
      deviceIds: [ownPhone, clara],
      isLeavingSelfAlone: false,
    });
  });

  it('does nothing when the roster routes every member', () => {
    expect(
      planRemovals(group, { epoch: 7, deviceIds: [clara, bernd, ownPhone, self] }, self),
    ).toEqual({ kind: 'nothing' });
  });

  it('does not act on a roster of another epoch or one that does not list this device', () => {
    expect(planRemovals(group, { epoch: 6, deviceIds: [self] }, self)).toEqual({
      kind: 'roster_not_current',
    });
    expect(planRemovals(group, { epoch: 8, deviceIds: [self] }, self)).toEqual({
      kind: 'roster_not_current',
    });
    // An empty roster (a glitch) lists nobody, this device neither: nothing is removed.
    expect(planRemovals(group, { epoch: 7, deviceIds: [] }, self)).toEqual({
      kind: 'roster_not_current',
    });
  });

  it('marks a plan that would leave this device alone, to be confirmed', () => {
    const plan = planRemovals(group, { epoch: 7, deviceIds: [self] }, self);
    expect(plan).toEqual({
      kind: 'remove',
      deviceIds: [ownPhone, bernd, clara],
      isLeavingSelfAlone: true,
    });
  });
});

describe('confirmsRemovals', () => {
  const first = { epoch: 7, deviceIds: [self] };
  const plan = { deviceIds: [ownPhone, bernd, clara] };

  it('agrees when a second read shows the same epoch and every device still gone', () => {
    expect(confirmsRemovals(plan, first, { epoch: 7, deviceIds: [self] }, self)).toBe(true);
  });

  it('refuses when the second read differs, lacks this device or is not there', () => {
    expect(confirmsRemovals(plan, first, { epoch: 7, deviceIds: [self, bernd] }, self)).toBe(false);
    expect(confirmsRemovals(plan, first, { epoch: 8, deviceIds: [self] }, self)).toBe(false);
    expect(confirmsRemovals(plan, first, { epoch: 7, deviceIds: [] }, self)).toBe(false);
    expect(confirmsRemovals(plan, first, null, self)).toBe(false);
  });
});
